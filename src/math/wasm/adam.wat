;; One Adam step (Kingma and Ba 2015) over float32 arrays, four values at a time (f32x4), every
;; operation the one tfjs's AdamOptimizer runs, in its order — each an exactly rounded float32
;; operation, as in tfjs-backend-wasm's kernels (WebAssembly has no fused multiply-add) — so the
;; same bits:
;;   m ← m·β1 + g·(1 − β1);  v ← v·β2 + g²·(1 − β2)
;;   w ← (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε) · (−rate) + w
;; With `tiny` > 0, moments of magnitude below `tiny` become zero (flushing subnormals: a decaying
;; moment of a gradient that stays zero, such as a dead unit's, otherwise turns subnormal after
;; ~800 steps and each operation on it costs ~100 cycles on x86; tiny = 0 leaves every bit as is).
;; Byte addresses, 16-aligned; `count` values rounded up to a multiple of four (the blocks are
;; padded: zeros there stay zeros).
;;
;; Build: npx tsx tools/build-wasm.ts (writes adam.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  (func (export "adam")
    (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $count i32)
    (param $beta1 f32) (param $beta2 f32) (param $oneMinusBeta1 f32) (param $oneMinusBeta2 f32)
    (param $correction1 f32) (param $correction2 f32) (param $epsilon f32) (param $negativeRate f32) (param $tiny f32)
    (local $at i32) (local $end i32) (local $gradient v128) (local $first v128) (local $second v128)
    (local $b1 v128) (local $b2 v128) (local $c1 v128) (local $c2 v128) (local $k1 v128) (local $k2 v128)
    (local $e v128) (local $r v128) (local $t v128)
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $c2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $k1 (f32x4.splat (local.get $correction1)))
    (local.set $k2 (f32x4.splat (local.get $correction2)))
    (local.set $e (f32x4.splat (local.get $epsilon)))
    (local.set $r (f32x4.splat (local.get $negativeRate)))
    (local.set $t (f32x4.splat (local.get $tiny)))
    (local.set $end (i32.shl (i32.and (i32.add (local.get $count) (i32.const 3)) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $gradient (v128.load (i32.add (local.get $g) (local.get $at))))
        (local.set $first (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $at))) (local.get $b1))
          (f32x4.mul (local.get $gradient) (local.get $c1))))
        (local.set $second (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $at))) (local.get $b2))
          (f32x4.mul (f32x4.mul (local.get $gradient) (local.get $gradient)) (local.get $c2))))
        (local.set $first (v128.andnot (local.get $first) (f32x4.lt (f32x4.abs (local.get $first)) (local.get $t))))
        (local.set $second (v128.andnot (local.get $second) (f32x4.lt (local.get $second) (local.get $t))))
        (v128.store (i32.add (local.get $m) (local.get $at)) (local.get $first))
        (v128.store (i32.add (local.get $v) (local.get $at)) (local.get $second))
        (v128.store (i32.add (local.get $w) (local.get $at)) (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $first) (local.get $k1))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $second) (local.get $k2))) (local.get $e)))
            (local.get $r))
          (v128.load (i32.add (local.get $w) (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next))))
)
