;; One L∞ step of projected gradient descent (Madry et al. 2018) over a batch of float32 rows,
;; four columns at a time (f32x4):
;;   next = clip(input + clip(current + step · sign(gradient) − input, −ε, ε), lower_j, upper_j)
;; and FGSM's one step (Goodfellow et al. 2015): next = clip(input + step · sign(gradient), lower_j, upper_j).
;; Each operation is a float32 operation, as the tfjs tensors of the step were. A clip is a
;; comparison and a choice — v < lo ? lo : v, then hi < v ? hi : v, as tfjs's and XNNPACK's max and
;; min are (f32x4.pmax / pmin: one instruction each) — not IEEE's min and max (f32x4.min / max),
;; whose NaN and signed-zero rules cost V8 several instructions each: 241 µs a 200 × 784 step
;; against 70. The two differ only on a zero against a zero of the other sign (and on NaN, which
;; validated rows and a NaN-free step never make). In JavaScript the same loop ran ~12 ns a value
;; here (compare-and-branch on unpredictable signs and clips). Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes pgd-step.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; v clipped below at lo and above at hi, as the vector loops do (v < lo ? lo : v; hi < v ? hi : v).
  (func $atLeast (param $v f32) (param $lo f32) (result f32)
    (select (local.get $lo) (local.get $v) (f32.lt (local.get $v) (local.get $lo))))
  (func $atMost (param $v f32) (param $hi f32) (result f32)
    (select (local.get $hi) (local.get $v) (f32.lt (local.get $hi) (local.get $v))))

  ;; input, current, gradient, next: rows × cols f32; lower, upper: cols f32 (the box per column).
  (func (export "stepInfinity")
    (param $rows i32) (param $cols i32) (param $input i32) (param $current i32) (param $gradient i32)
    (param $next i32) (param $lower i32) (param $upper i32) (param $step f32) (param $epsilon f32)
    (local $i i32) (local $j i32) (local $quads i32) (local $row i32) (local $at i32) (local $column i32)
    (local $g v128) (local $x v128) (local $moved v128) (local $delta v128)
    (local $up v128) (local $down v128) (local $high v128) (local $low v128) (local $zero v128)
    (local $gs f32) (local $xs f32) (local $ms f32)
    (local.set $up (f32x4.splat (local.get $step)))
    (local.set $down (f32x4.splat (f32.neg (local.get $step))))
    (local.set $high (f32x4.splat (local.get $epsilon)))
    (local.set $low (f32x4.splat (f32.neg (local.get $epsilon))))
    (local.set $quads (i32.and (local.get $cols) (i32.const -4)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 2)))
        (local.set $j (i32.const 0))
        (block $quads_done
          (loop $quads_loop
            (br_if $quads_done (i32.ge_u (local.get $j) (local.get $quads)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $column (i32.shl (local.get $j) (i32.const 2)))
            (local.set $g (v128.load (i32.add (local.get $gradient) (local.get $at))))
            (local.set $x (v128.load (i32.add (local.get $input) (local.get $at))))
            ;; step · sign(g): +step where g > 0, −step where g < 0, 0 elsewhere (0 and NaN)
            (local.set $moved (f32x4.add (v128.load (i32.add (local.get $current) (local.get $at)))
              (v128.or
                (v128.and (f32x4.gt (local.get $g) (local.get $zero)) (local.get $up))
                (v128.and (f32x4.lt (local.get $g) (local.get $zero)) (local.get $down)))))
            (local.set $delta (f32x4.pmin (f32x4.pmax (f32x4.sub (local.get $moved) (local.get $x)) (local.get $low)) (local.get $high)))
            (v128.store (i32.add (local.get $next) (local.get $at))
              (f32x4.pmin
                (f32x4.pmax (f32x4.add (local.get $x) (local.get $delta)) (v128.load (i32.add (local.get $lower) (local.get $column))))
                (v128.load (i32.add (local.get $upper) (local.get $column)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $quads_loop)))
        ;; the last cols mod 4 columns, one at a time
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $column (i32.shl (local.get $j) (i32.const 2)))
            (local.set $gs (f32.load (i32.add (local.get $gradient) (local.get $at))))
            (local.set $xs (f32.load (i32.add (local.get $input) (local.get $at))))
            (local.set $ms (f32.load (i32.add (local.get $current) (local.get $at))))
            (if (f32.gt (local.get $gs) (f32.const 0)) (then (local.set $ms (f32.add (local.get $ms) (local.get $step)))))
            (if (f32.lt (local.get $gs) (f32.const 0)) (then (local.set $ms (f32.sub (local.get $ms) (local.get $step)))))
            (f32.store (i32.add (local.get $next) (local.get $at))
              (call $atMost
                (call $atLeast
                  (f32.add (local.get $xs) (call $atMost (call $atLeast (f32.sub (local.get $ms) (local.get $xs)) (f32.neg (local.get $epsilon))) (local.get $epsilon)))
                  (f32.load (i32.add (local.get $lower) (local.get $column))))
                (f32.load (i32.add (local.get $upper) (local.get $column)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; FGSM: next = clip(input + step · sign(gradient), lower_j, upper_j), rounded once as float32.
  ;; $next may be $input (the kernel writes FGSM's step over the rows): each value is read before
  ;; it is written.
  (func (export "stepSign")
    (param $rows i32) (param $cols i32) (param $input i32) (param $gradient i32)
    (param $next i32) (param $lower i32) (param $upper i32) (param $step f32)
    (local $i i32) (local $j i32) (local $quads i32) (local $row i32) (local $at i32) (local $column i32)
    (local $g v128) (local $up v128) (local $down v128) (local $zero v128)
    (local $gs f32) (local $ms f32)
    (local.set $up (f32x4.splat (local.get $step)))
    (local.set $down (f32x4.splat (f32.neg (local.get $step))))
    (local.set $quads (i32.and (local.get $cols) (i32.const -4)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 2)))
        (local.set $j (i32.const 0))
        (block $quads_done
          (loop $quads_loop
            (br_if $quads_done (i32.ge_u (local.get $j) (local.get $quads)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $column (i32.shl (local.get $j) (i32.const 2)))
            (local.set $g (v128.load (i32.add (local.get $gradient) (local.get $at))))
            (v128.store (i32.add (local.get $next) (local.get $at))
              (f32x4.pmin
                (f32x4.pmax
                  (f32x4.add (v128.load (i32.add (local.get $input) (local.get $at)))
                    (v128.or
                      (v128.and (f32x4.gt (local.get $g) (local.get $zero)) (local.get $up))
                      (v128.and (f32x4.lt (local.get $g) (local.get $zero)) (local.get $down))))
                  (v128.load (i32.add (local.get $lower) (local.get $column))))
                (v128.load (i32.add (local.get $upper) (local.get $column)))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $quads_loop)))
        (block $tail_done
          (loop $tail_loop
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $column (i32.shl (local.get $j) (i32.const 2)))
            (local.set $gs (f32.load (i32.add (local.get $gradient) (local.get $at))))
            (local.set $ms (f32.load (i32.add (local.get $input) (local.get $at))))
            (if (f32.gt (local.get $gs) (f32.const 0)) (then (local.set $ms (f32.add (local.get $ms) (local.get $step)))))
            (if (f32.lt (local.get $gs) (f32.const 0)) (then (local.set $ms (f32.sub (local.get $ms) (local.get $step)))))
            (f32.store (i32.add (local.get $next) (local.get $at))
              (call $atMost (call $atLeast (local.get $ms) (f32.load (i32.add (local.get $lower) (local.get $column))))
                (f32.load (i32.add (local.get $upper) (local.get $column)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; PGD's L∞ random start (Madry et al. 2018): current = clip(input + offset, lower_j, upper_j) with
  ;; offset = f32((2u − 1) · ε), u uniform in [0, 1) from the xoshiro128** state at byte address
  ;; $state (four i32 words, written back after): the numbers Rng.uniform() gives, two 32-bit draws
  ;; a value (the high 27 bits, then the low 26), each operation as JavaScript's (random.ts, pgd.ts:
  ;; f64 arithmetic rounded to f32 where a Float32Array stores it; input + offset rounded once as
  ;; float32). Compiled on instantiation, it draws at full speed on a process's first run, where
  ;; the JavaScript loop ran interpreted (50 MNIST rows: 7.9 ms on its first call, 0.24 ms later).
  (func $draw (param $state i32) (result i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $result i32) (local $t i32)
    (local.set $s0 (i32.load (local.get $state)))
    (local.set $s1 (i32.load offset=4 (local.get $state)))
    (local.set $s2 (i32.load offset=8 (local.get $state)))
    (local.set $s3 (i32.load offset=12 (local.get $state)))
    (local.set $result (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
    (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
    (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
    (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
    (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
    (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
    (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
    (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
    (i32.store (local.get $state) (local.get $s0))
    (i32.store offset=4 (local.get $state) (local.get $s1))
    (i32.store offset=8 (local.get $state) (local.get $s2))
    (i32.store offset=12 (local.get $state) (local.get $s3))
    (local.get $result))

  (func (export "startInfinity")
    (param $rows i32) (param $cols i32) (param $input i32) (param $current i32)
    (param $lower i32) (param $upper i32) (param $state i32) (param $epsilon f64)
    (local $i i32) (local $j i32) (local $at i32) (local $column i32) (local $high f64) (local $u f64) (local $offset f32)
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols_loop
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $at (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))
            (local.set $column (i32.shl (local.get $j) (i32.const 2)))
            (local.set $high (f64.convert_i32_u (i32.shr_u (call $draw (local.get $state)) (i32.const 5))))
            (local.set $u (f64.div
              (f64.add (f64.mul (local.get $high) (f64.const 67108864)) (f64.convert_i32_u (i32.shr_u (call $draw (local.get $state)) (i32.const 6))))
              (f64.const 9007199254740992)))
            (local.set $offset (f32.demote_f64 (f64.mul (f64.sub (f64.mul (f64.const 2) (local.get $u)) (f64.const 1)) (local.get $epsilon))))
            (f32.store (i32.add (local.get $current) (local.get $at))
              (call $atMost
                (call $atLeast (f32.add (f32.load (i32.add (local.get $input) (local.get $at))) (local.get $offset))
                  (f32.load (i32.add (local.get $lower) (local.get $column))))
                (f32.load (i32.add (local.get $upper) (local.get $column)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))
)
