;; The normal matrix Σ_i r_i r_iᵀ of a design's answered rows, r_i its row i then a 1 (equation
;; solving's log-ratio systems, Tramèr et al. 2016, §4.1.3; equation-solving.ts): the JavaScript
;; loop's sums — each entry its rows' products in turn, a product skipped where the row's value
;; for the entry's row index is 0 — so the same bits; a block of the matrix's rows at a time over
;; every design row (the block stays in the cache), two entries side by side in f64x2 lanes.
;;
;; Design at $x (n × d, row-major), answered flags at $answered (n bytes: 1 answered), the matrix at
;; $normal ((d + 1) × (d + 1), at +0 on entry), its rows from $first to $last (exclusive) filled.
(module
  (memory (export "memory") 1)

  (func (export "normal_rows") (param $x i32) (param $answered i32) (param $normal i32) (param $n i32) (param $d i32) (param $first i32) (param $last i32)
    (local $i i32) (local $a i32) (local $b i32) (local $width i32) (local $row i32) (local $out i32)
    (local $value f64) (local $splat v128)
    (local.set $width (i32.add (local.get $d) (i32.const 1)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.load8_u (i32.add (local.get $answered) (local.get $i)))
          (then
            (local.set $row (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $d)) (i32.const 3))))
            (local.set $a (local.get $first))
            (block $entries_done
              (loop $entries
                (br_if $entries_done (i32.ge_u (local.get $a) (local.get $last)))
                (local.set $value
                  (if (result f64) (i32.lt_u (local.get $a) (local.get $d))
                    (then (f64.load (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 3)))))
                    (else (f64.const 1))))
                (if (f64.ne (local.get $value) (f64.const 0))
                  (then
                    (local.set $out (i32.add (local.get $normal) (i32.shl (i32.mul (local.get $a) (local.get $width)) (i32.const 3))))
                    (local.set $splat (f64x2.splat (local.get $value)))
                    (local.set $b (i32.const 0))
                    (block $pairs_done
                      (loop $pairs
                        (br_if $pairs_done (i32.gt_u (i32.add (local.get $b) (i32.const 2)) (local.get $d)))
                        (v128.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3)))
                          (f64x2.add
                            (v128.load (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))))
                            (f64x2.mul (local.get $splat) (v128.load (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3)))))))
                        (local.set $b (i32.add (local.get $b) (i32.const 2)))
                        (br $pairs)))
                    (if (i32.lt_u (local.get $b) (local.get $d))
                      (then
                        (f64.store (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3)))
                          (f64.add
                            (f64.load (i32.add (local.get $out) (i32.shl (local.get $b) (i32.const 3))))
                            (f64.mul (local.get $value) (f64.load (i32.add (local.get $row) (i32.shl (local.get $b) (i32.const 3)))))))))
                    ;; The bias column: the product with the row's 1.
                    (f64.store (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 3)))
                      (f64.add
                        (f64.load (i32.add (local.get $out) (i32.shl (local.get $d) (i32.const 3))))
                        (f64.mul (local.get $value) (f64.const 1))))))
                (local.set $a (i32.add (local.get $a) (i32.const 1)))
                (br $entries)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
