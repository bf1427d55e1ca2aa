;; The loss and gradient of representer refinement for kernel extraction (Tramèr et al. 2016,
;; §4.1.3; kernel-representers.ts): the surrogate f_c(x) = Σ_r β_cr exp(−γ‖x − q_r‖²) + b_c fitted to
;; the centred log-probabilities the API answered, with respect to its centres q, coefficients β and
;; biases b together. The JavaScript objective's operations in its order, so the same bits: each sum
;; runs over the same terms in the same order, only the rows' passes are merged into one (every
;; entry of the gradient still sums its rows in turn) and two centres (or two classes) go side by
;; side in f64x2 lanes. Math.exp's bits come from exp.wati, two at a time from exp-pair.wati.
;;
;; θ at $theta (and the gradient at $gradient, the same layout): the centres (k × d, row-major), the
;; coefficients (classes × k), the biases (classes). Rows at $x (m × d), targets at $targets
;; (m × classes). Scratch from $scratch: the centres transposed (d × k), their gradient transposed
;; (d × k), the coefficients transposed (k × classes), a row's kernel values (k), its weights (k), its
;; scores (classes) and its residuals over m (classes).
(module
  (memory (export "memory") 1)

  (func (export "objective") (param $x i32) (param $targets i32) (param $theta i32) (param $gradient i32) (param $scratch i32)
    (param $m i32) (param $d i32) (param $k i32) (param $classes i32) (param $gamma f64) (result f64)
    (local $qT i32) (local $gT i32) (local $bT i32) (local $krow i32) (local $wrow i32) (local $scores i32) (local $errs i32)
    (local $beta i32) (local $bias i32) (local $gbeta i32) (local $gbias i32)
    (local $i i32) (local $j i32) (local $r i32) (local $c i32) (local $xi i32) (local $at i32) (local $n i32)
    (local $loss f64) (local $mean f64) (local $value f64) (local $sum f64) (local $e f64)
    (local $negGamma f64) (local $twoGamma f64) (local $rowsF f64) (local $twoRows f64) (local $classesF f64)
    (local $acc v128) (local $diff v128) (local $es v128) (local $factor v128) (local $xs v128)
    (local.set $qT (local.get $scratch))
    (local.set $gT (i32.add (local.get $qT) (i32.shl (i32.mul (local.get $d) (local.get $k)) (i32.const 3))))
    (local.set $bT (i32.add (local.get $gT) (i32.shl (i32.mul (local.get $d) (local.get $k)) (i32.const 3))))
    (local.set $krow (i32.add (local.get $bT) (i32.shl (i32.mul (local.get $k) (local.get $classes)) (i32.const 3))))
    (local.set $wrow (i32.add (local.get $krow) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $scores (i32.add (local.get $wrow) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $errs (i32.add (local.get $scores) (i32.shl (local.get $classes) (i32.const 3))))
    (local.set $beta (i32.add (local.get $theta) (i32.shl (i32.mul (local.get $k) (local.get $d)) (i32.const 3))))
    (local.set $bias (i32.add (local.get $beta) (i32.shl (i32.mul (local.get $classes) (local.get $k)) (i32.const 3))))
    (local.set $gbeta (i32.add (local.get $gradient) (i32.shl (i32.mul (local.get $k) (local.get $d)) (i32.const 3))))
    (local.set $gbias (i32.add (local.get $gbeta) (i32.shl (i32.mul (local.get $classes) (local.get $k)) (i32.const 3))))
    (local.set $negGamma (f64.neg (local.get $gamma)))
    (local.set $twoGamma (f64.mul (f64.const 2) (local.get $gamma)))
    (local.set $rowsF (f64.convert_i32_u (local.get $m)))
    (local.set $twoRows (f64.mul (f64.const 2) (local.get $rowsF)))
    (local.set $classesF (f64.convert_i32_u (local.get $classes)))

    ;; The transposes, and the gradients at +0.
    (local.set $r (i32.const 0))
    (block $t_done
      (loop $t_centres
        (br_if $t_done (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $j (i32.const 0))
        (block $t_row_done
          (loop $t_dims
            (br_if $t_row_done (i32.ge_u (local.get $j) (local.get $d)))
            (local.set $at (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3)))
            (f64.store (i32.add (local.get $qT) (local.get $at))
              (f64.load (i32.add (local.get $theta) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $d)) (local.get $j)) (i32.const 3)))))
            (f64.store (i32.add (local.get $gT) (local.get $at)) (f64.const 0))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $t_dims)))
        (local.set $c (i32.const 0))
        (block $b_done
          (loop $b_classes
            (br_if $b_done (i32.ge_u (local.get $c) (local.get $classes)))
            (f64.store (i32.add (local.get $bT) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $classes)) (local.get $c)) (i32.const 3)))
              (f64.load (i32.add (local.get $beta) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $r)) (i32.const 3)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $b_classes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $t_centres)))
    (local.set $n (i32.add (i32.mul (local.get $k) (i32.add (local.get $d) (local.get $classes))) (local.get $classes)))
    (memory.fill (local.get $gradient) (i32.const 0) (i32.shl (local.get $n) (i32.const 3)))

    (local.set $i (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $xi (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $d)) (i32.const 3))))

        ;; The row's kernel values, two centres at a time: exp(−γ · Σ_j (x_j − q_rj)²), j in order.
        (local.set $r (i32.const 0))
        (block $k_pairs_done
          (loop $k_pairs
            (br_if $k_pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $k)))
            (local.set $acc (v128.const f64x2 0 0))
            (local.set $j (i32.const 0))
            (block $k_dims_done
              (loop $k_dims
                (br_if $k_dims_done (i32.ge_u (local.get $j) (local.get $d)))
                (local.set $diff (f64x2.sub
                  (f64x2.splat (f64.load (i32.add (local.get $xi) (i32.shl (local.get $j) (i32.const 3)))))
                  (v128.load (i32.add (local.get $qT) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3))))))
                (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $diff) (local.get $diff))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $k_dims)))
            (local.set $at (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3))))
            (local.set $acc (f64x2.mul (f64x2.splat (local.get $negGamma)) (local.get $acc)))
            (if (call $exp_pair_fits (local.get $acc))
              (then (v128.store (local.get $at) (call $exp_pair (local.get $acc))))
              (else
                (f64.store (local.get $at) (call $exp (f64x2.extract_lane 0 (local.get $acc))))
                (f64.store offset=8 (local.get $at) (call $exp (f64x2.extract_lane 1 (local.get $acc))))))
            (local.set $r (i32.add (local.get $r) (i32.const 2)))
            (br $k_pairs)))
        (if (i32.lt_u (local.get $r) (local.get $k))
          (then
            (local.set $sum (f64.const 0))
            (local.set $j (i32.const 0))
            (block $k_tail_done
              (loop $k_tail
                (br_if $k_tail_done (i32.ge_u (local.get $j) (local.get $d)))
                (local.set $value (f64.sub
                  (f64.load (i32.add (local.get $xi) (i32.shl (local.get $j) (i32.const 3))))
                  (f64.load (i32.add (local.get $qT) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3))))))
                (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $value) (local.get $value))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $k_tail)))
            (f64.store (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3))) (call $exp (f64.mul (local.get $negGamma) (local.get $sum))))))

        ;; Its scores, two classes at a time: b_c + Σ_r β_cr k_r, r in order.
        (local.set $c (i32.const 0))
        (block $s_pairs_done
          (loop $s_pairs
            (br_if $s_pairs_done (i32.gt_u (i32.add (local.get $c) (i32.const 2)) (local.get $classes)))
            (local.set $acc (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $r (i32.const 0))
            (block $s_centres_done
              (loop $s_centres
                (br_if $s_centres_done (i32.ge_u (local.get $r) (local.get $k)))
                (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul
                  (v128.load (i32.add (local.get $bT) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $classes)) (local.get $c)) (i32.const 3))))
                  (f64x2.splat (f64.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3))))))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $s_centres)))
            (v128.store (i32.add (local.get $scores) (i32.shl (local.get $c) (i32.const 3))) (local.get $acc))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $s_pairs)))
        (if (i32.lt_u (local.get $c) (local.get $classes))
          (then
            (local.set $sum (f64.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $r (i32.const 0))
            (block $s_tail_done
              (loop $s_tail
                (br_if $s_tail_done (i32.ge_u (local.get $r) (local.get $k)))
                (local.set $sum (f64.add (local.get $sum) (f64.mul
                  (f64.load (i32.add (local.get $bT) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $classes)) (local.get $c)) (i32.const 3))))
                  (f64.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3)))))))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $s_tail)))
            (f64.store (i32.add (local.get $scores) (i32.shl (local.get $c) (i32.const 3))) (local.get $sum))))

        ;; The scores' mean (each over classes, added in order), the residuals, the loss.
        (local.set $mean (f64.const 0))
        (local.set $c (i32.const 0))
        (block $mean_done
          (loop $mean_classes
            (br_if $mean_done (i32.ge_u (local.get $c) (local.get $classes)))
            (local.set $mean (f64.add (local.get $mean) (f64.div (f64.load (i32.add (local.get $scores) (i32.shl (local.get $c) (i32.const 3)))) (local.get $classesF))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $mean_classes)))
        (local.set $c (i32.const 0))
        (block $res_done
          (loop $res_classes
            (br_if $res_done (i32.ge_u (local.get $c) (local.get $classes)))
            (local.set $value (f64.sub
              (f64.sub (f64.load (i32.add (local.get $scores) (i32.shl (local.get $c) (i32.const 3)))) (local.get $mean))
              (f64.load (i32.add (local.get $targets) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $classes)) (local.get $c)) (i32.const 3))))))
            (f64.store (i32.add (local.get $errs) (i32.shl (local.get $c) (i32.const 3))) (f64.div (local.get $value) (local.get $rowsF)))
            (local.set $loss (f64.add (local.get $loss) (f64.div (f64.mul (local.get $value) (local.get $value)) (local.get $twoRows))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $res_classes)))

        ;; The biases' and coefficients' gradients, and each centre's weight Σ_c e_c β_cr (from +0, c in order).
        (memory.fill (local.get $wrow) (i32.const 0) (i32.shl (local.get $k) (i32.const 3)))
        (local.set $c (i32.const 0))
        (block $g_done
          (loop $g_classes
            (br_if $g_done (i32.ge_u (local.get $c) (local.get $classes)))
            (local.set $e (f64.load (i32.add (local.get $errs) (i32.shl (local.get $c) (i32.const 3)))))
            (local.set $at (i32.add (local.get $gbias) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $e)))
            (local.set $es (f64x2.splat (local.get $e)))
            (local.set $r (i32.const 0))
            (block $g_pairs_done
              (loop $g_pairs
                (br_if $g_pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $k)))
                (local.set $at (i32.add (local.get $gbeta) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $r)) (i32.const 3))))
                (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
                  (f64x2.mul (local.get $es) (v128.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3)))))))
                (local.set $at (i32.add (local.get $wrow) (i32.shl (local.get $r) (i32.const 3))))
                (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
                  (f64x2.mul (local.get $es) (v128.load (i32.add (local.get $beta) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $r)) (i32.const 3)))))))
                (local.set $r (i32.add (local.get $r) (i32.const 2)))
                (br $g_pairs)))
            (if (i32.lt_u (local.get $r) (local.get $k))
              (then
                (local.set $at (i32.add (local.get $gbeta) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $r)) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (local.get $e) (f64.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3)))))))
                (local.set $at (i32.add (local.get $wrow) (i32.shl (local.get $r) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (local.get $e) (f64.load (i32.add (local.get $beta) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $k)) (local.get $r)) (i32.const 3)))))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $g_classes)))

        ;; The centres' gradient: d k(x, q) / d q = 2γ (x − q) k(x, q), times the weight — each centre's
        ;; factor (2γ · w_r) · k_r, two centres at a time, into the transposed gradient.
        (local.set $r (i32.const 0))
        (block $c_pairs_done
          (loop $c_pairs
            (br_if $c_pairs_done (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $k)))
            (local.set $factor (f64x2.mul
              (f64x2.mul (f64x2.splat (local.get $twoGamma)) (v128.load (i32.add (local.get $wrow) (i32.shl (local.get $r) (i32.const 3)))))
              (v128.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3))))))
            (local.set $j (i32.const 0))
            (block $c_dims_done
              (loop $c_dims
                (br_if $c_dims_done (i32.ge_u (local.get $j) (local.get $d)))
                (local.set $at (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3)))
                (v128.store (i32.add (local.get $gT) (local.get $at)) (f64x2.add (v128.load (i32.add (local.get $gT) (local.get $at)))
                  (f64x2.mul (local.get $factor) (f64x2.sub
                    (f64x2.splat (f64.load (i32.add (local.get $xi) (i32.shl (local.get $j) (i32.const 3)))))
                    (v128.load (i32.add (local.get $qT) (local.get $at)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $c_dims)))
            (local.set $r (i32.add (local.get $r) (i32.const 2)))
            (br $c_pairs)))
        (if (i32.lt_u (local.get $r) (local.get $k))
          (then
            (local.set $e (f64.mul
              (f64.mul (local.get $twoGamma) (f64.load (i32.add (local.get $wrow) (i32.shl (local.get $r) (i32.const 3)))))
              (f64.load (i32.add (local.get $krow) (i32.shl (local.get $r) (i32.const 3))))))
            (local.set $j (i32.const 0))
            (block $c_tail_done
              (loop $c_tail
                (br_if $c_tail_done (i32.ge_u (local.get $j) (local.get $d)))
                (local.set $at (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3)))
                (f64.store (i32.add (local.get $gT) (local.get $at)) (f64.add (f64.load (i32.add (local.get $gT) (local.get $at)))
                  (f64.mul (local.get $e) (f64.sub
                    (f64.load (i32.add (local.get $xi) (i32.shl (local.get $j) (i32.const 3))))
                    (f64.load (i32.add (local.get $qT) (local.get $at)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $c_tail)))))

        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))

    ;; The centres' gradient back to θ's layout.
    (local.set $r (i32.const 0))
    (block $back_done
      (loop $back_centres
        (br_if $back_done (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $j (i32.const 0))
        (block $back_row_done
          (loop $back_dims
            (br_if $back_row_done (i32.ge_u (local.get $j) (local.get $d)))
            (f64.store (i32.add (local.get $gradient) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $d)) (local.get $j)) (i32.const 3)))
              (f64.load (i32.add (local.get $gT) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $k)) (local.get $r)) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $back_dims)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $back_centres)))
    (local.get $loss))

  ;; #include exp.wati

  ;; #include exp-pair.wati

  ;; Math.exp's values of two doubles, for the tests: exp_pair where both fit it, else exp each.
  (func (export "exp_two") (param $at i32)
    (local $x v128)
    (local.set $x (v128.load (local.get $at)))
    (if (call $exp_pair_fits (local.get $x))
      (then (v128.store (local.get $at) (call $exp_pair (local.get $x))))
      (else
        (f64.store (local.get $at) (call $exp (f64x2.extract_lane 0 (local.get $x))))
        (f64.store offset=8 (local.get $at) (call $exp (f64x2.extract_lane 1 (local.get $x)))))))
)
