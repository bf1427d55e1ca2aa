;; Rows of float64 values clipped in place to a box per column, two values at a time (f64x2):
;;   v = min(upper_j, max(lower_j, v))
;; with IEEE 754-2019's minimum and maximum (f64x2.min / max) — for every input the value
;; JavaScript's Math.min(upper, Math.max(lower, v)) gives, signed zeros and NaN included, so a row
;; repaired here is the row domain.ts's `repairRow` makes. In JavaScript that loop ran ~7 ns a value
;; here (Math.max and Math.min branch on each value's order and sign: an FGSM batch of MNIST rows
;; is two fifths zeros, at the lower bound), a tenth of a 200-row FGSM run's whole time.
;; Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes box-clip.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; $rows rows of $cols float64 values from $at (8-aligned), each column j clipped to
  ;; [lower_j, upper_j] (float64 arrays of $cols values at $lower and $upper).
  (func (export "clipRows") (param $at i32) (param $rows i32) (param $cols i32) (param $lower i32) (param $upper i32)
    (local $i i32) (local $j i32) (local $pairs i32) (local $p i32) (local $b i32)
    (local.set $pairs (i32.and (local.get $cols) (i32.const -2)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs)))
            (local.set $p (i32.add (local.get $at) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $b (i32.shl (local.get $j) (i32.const 3)))
            (v128.store align=8 (local.get $p)
              (f64x2.min
                (v128.load align=8 (i32.add (local.get $upper) (local.get $b)))
                (f64x2.max
                  (v128.load align=8 (i32.add (local.get $lower) (local.get $b)))
                  (v128.load align=8 (local.get $p)))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs_loop)))
        ;; An odd last column.
        (if (i32.lt_u (local.get $j) (local.get $cols))
          (then
            (local.set $p (i32.add (local.get $at) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $b (i32.shl (local.get $j) (i32.const 3)))
            (f64.store (local.get $p)
              (f64.min
                (f64.load (i32.add (local.get $upper) (local.get $b)))
                (f64.max (f64.load (i32.add (local.get $lower) (local.get $b))) (f64.load (local.get $p)))))))
        (local.set $at (i32.add (local.get $at) (i32.shl (local.get $cols) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop)))))
