;; Float64 kernels of a dense layer fed by sparse (compressed-row) inputs, two outputs at a time
;; (f64x2). Every output keeps the scalar code's order of operations — the bias, then each
;; product added in entry order, a multiply then an add (no fused multiply-add) — so the results
;; are the same bits as the JavaScript loops they replace. Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes sparse-layer.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; out[i][j] = theta[b + j] + Σ_e values[e] · theta[w + offsets[e] + j], e over row i's entries.
  ;; starts: u32 × (rows + 1); offsets: i32 per entry (column × width); values: f64 per entry;
  ;; theta: f64 array; w, b: element indices into theta; out: f64 rows × width.
  (func (export "forward")
    (param $rows i32) (param $width i32) (param $starts i32) (param $offsets i32) (param $values i32)
    (param $theta i32) (param $w i32) (param $b i32) (param $out i32)
    (local $i i32) (local $j i32) (local $e i32) (local $last i32) (local $row i32) (local $pairs i32)
    (local $acc v128) (local $sum f64) (local $value f64) (local $weight i32)
    (local.set $pairs (i32.and (local.get $width) (i32.const -2)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $width)) (i32.const 3))))
        (local.set $last (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs)))
            (local.set $acc (v128.load align=8 (i32.add (local.get $theta) (i32.shl (i32.add (local.get $b) (local.get $j)) (i32.const 3)))))
            (local.set $e (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $e) (local.get $last)))
                (local.set $weight (i32.add (local.get $theta) (i32.shl
                  (i32.add (i32.add (local.get $w) (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $e) (i32.const 2))))) (local.get $j))
                  (i32.const 3))))
                (local.set $acc (f64x2.add (local.get $acc)
                  (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3)))))
                             (v128.load align=8 (local.get $weight)))))
                (local.set $e (i32.add (local.get $e) (i32.const 1)))
                (br $entries_loop)))
            (v128.store align=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs_loop)))
        ;; An odd width: the last output alone.
        (if (i32.lt_u (local.get $j) (local.get $width))
          (then
            (local.set $sum (f64.load (i32.add (local.get $theta) (i32.shl (i32.add (local.get $b) (local.get $j)) (i32.const 3)))))
            (local.set $e (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
            (block $tail_done
              (loop $tail_loop
                (br_if $tail_done (i32.ge_u (local.get $e) (local.get $last)))
                (local.set $value (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3)))))
                (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $value)
                  (f64.load (i32.add (local.get $theta) (i32.shl
                    (i32.add (i32.add (local.get $w) (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $e) (i32.const 2))))) (local.get $j))
                    (i32.const 3)))))))
                (local.set $e (i32.add (local.get $e) (i32.const 1)))
                (br $tail_loop)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $sum))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; gradient[w + offsets[e] + j] += values[e] · delta[i][j], rows in order, each row's entries in order.
  (func (export "backward")
    (param $rows i32) (param $width i32) (param $starts i32) (param $offsets i32) (param $values i32)
    (param $delta i32) (param $gradient i32) (param $w i32)
    (local $i i32) (local $j i32) (local $e i32) (local $last i32) (local $row i32) (local $pairs i32)
    (local $value v128) (local $target i32) (local $at i32)
    (local.set $pairs (i32.and (local.get $width) (i32.const -2)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $delta) (i32.shl (i32.mul (local.get $i) (local.get $width)) (i32.const 3))))
        (local.set $e (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $last (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (block $entries_done
          (loop $entries_loop
            (br_if $entries_done (i32.ge_u (local.get $e) (local.get $last)))
            (local.set $value (f64x2.splat (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))))
            (local.set $target (i32.add (local.get $gradient) (i32.shl
              (i32.add (local.get $w) (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $e) (i32.const 2)))))
              (i32.const 3))))
            (local.set $j (i32.const 0))
            (block $pairs_done
              (loop $pairs_loop
                (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs)))
                (local.set $at (i32.add (local.get $target) (i32.shl (local.get $j) (i32.const 3))))
                (v128.store align=8 (local.get $at) (f64x2.add (v128.load align=8 (local.get $at))
                  (f64x2.mul (local.get $value) (v128.load align=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 2)))
                (br $pairs_loop)))
            (if (i32.lt_u (local.get $j) (local.get $width))
              (then
                (local.set $at (i32.add (local.get $target) (i32.shl (local.get $j) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (f64x2.extract_lane 0 (local.get $value)) (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))))))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $entries_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))
)
