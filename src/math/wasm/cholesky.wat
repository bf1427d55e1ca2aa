;; Cholesky factorisation A = L Lᵀ of a symmetric positive-definite n × n matrix, and the solve of
;; A x = b through it, in float64 — the operations of linalg.ts's JavaScript loop in its order, so
;; the same bits: L column by column (Crout), each entry its row's entry of A minus the products
;; L[i][k] · L[j][k] for k = 0, 1, …, j − 1 (a multiply, then a subtract), divided by the column's
;; root. L is kept column-major (L[i][k] at l + 8·(k·n + i)), so the rows below the diagonal sit
;; side by side: eight rows' sums in four f64x2 registers as k goes by.
(module
  (memory (export "memory") 1)

  ;; t ← the transpose of A (row-major at a): t[j][i] = A[i][j], column j of A's lower part in a row.
  ;; Then L into l. Returns 0, or j + 1 for the first column whose pivot is not above 10⁻¹² · |A[j][j]|
  ;; (not positive definite: the caller's error).
  (func (export "factor") (param $a i32) (param $t i32) (param $l i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $k i32) (local $at i32) (local $column i32) (local $lj i32)
    (local $diagonal f64) (local $root f64) (local $sum f64) (local $value f64)
    (local $v v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $roots v128)
    ;; The transpose.
    (block $t_done
      (loop $t_rows
        (br_if $t_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $t_row_done
          (loop $t_cols
            (br_if $t_row_done (i32.ge_u (local.get $j) (local.get $n)))
            (f64.store
              (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3)))
              (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $t_cols)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $t_rows)))
    (local.set $j (i32.const 0))
    (block $columns_done
      (loop $columns
        (br_if $columns_done (i32.ge_u (local.get $j) (local.get $n)))
        ;; The pivot: A[j][j] − Σ_k L[j][k]², k in order.
        (local.set $value (f64.load (i32.add (local.get $a) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $j)) (i32.const 3)))))
        (local.set $diagonal (local.get $value))
        (local.set $k (i32.const 0))
        (block $pivot_done
          (loop $pivot
            (br_if $pivot_done (i32.ge_u (local.get $k) (local.get $j)))
            (local.set $sum (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 3)))))
            (local.set $diagonal (f64.sub (local.get $diagonal) (f64.mul (local.get $sum) (local.get $sum))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $pivot)))
        (if (i32.eqz (f64.gt (local.get $diagonal) (f64.mul (f64.const 1e-12) (f64.abs (local.get $value)))))
          (then (return (i32.add (local.get $j) (i32.const 1)))))
        (local.set $root (f64.sqrt (local.get $diagonal)))
        (local.set $roots (f64x2.splat (local.get $root)))
        ;; Column j of L starts at l + 8·j·n; its row j is the root.
        (local.set $column (i32.add (local.get $l) (i32.shl (i32.mul (local.get $j) (local.get $n)) (i32.const 3))))
        (f64.store (i32.add (local.get $column) (i32.shl (local.get $j) (i32.const 3))) (local.get $root))
        (local.set $i (i32.add (local.get $j) (i32.const 1)))
        ;; Eight rows at a time.
        (block $eights_done
          (loop $eights
            (br_if $eights_done (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
            (local.set $at (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))))
            (local.set $s0 (v128.load align=8 (local.get $at)))
            (local.set $s1 (v128.load offset=16 align=8 (local.get $at)))
            (local.set $s2 (v128.load offset=32 align=8 (local.get $at)))
            (local.set $s3 (v128.load offset=48 align=8 (local.get $at)))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $j)))
                ;; Column k of L: L[j][k] for all eight, beside L[i … i + 7][k].
                (local.set $lj (i32.add (local.get $l) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 3))))
                (local.set $v (v128.load64_splat align=8 (i32.add (local.get $lj) (i32.shl (local.get $j) (i32.const 3)))))
                (local.set $at (i32.add (local.get $lj) (i32.shl (local.get $i) (i32.const 3))))
                (local.set $s0 (f64x2.sub (local.get $s0) (f64x2.mul (v128.load align=8 (local.get $at)) (local.get $v))))
                (local.set $s1 (f64x2.sub (local.get $s1) (f64x2.mul (v128.load offset=16 align=8 (local.get $at)) (local.get $v))))
                (local.set $s2 (f64x2.sub (local.get $s2) (f64x2.mul (v128.load offset=32 align=8 (local.get $at)) (local.get $v))))
                (local.set $s3 (f64x2.sub (local.get $s3) (f64x2.mul (v128.load offset=48 align=8 (local.get $at)) (local.get $v))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $ks)))
            (local.set $at (i32.add (local.get $column) (i32.shl (local.get $i) (i32.const 3))))
            (v128.store align=8 (local.get $at) (f64x2.div (local.get $s0) (local.get $roots)))
            (v128.store offset=16 align=8 (local.get $at) (f64x2.div (local.get $s1) (local.get $roots)))
            (v128.store offset=32 align=8 (local.get $at) (f64x2.div (local.get $s2) (local.get $roots)))
            (v128.store offset=48 align=8 (local.get $at) (f64x2.div (local.get $s3) (local.get $roots)))
            (local.set $i (i32.add (local.get $i) (i32.const 8)))
            (br $eights)))
        ;; Two rows at a time.
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
            (local.set $s0 (v128.load align=8 (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3)))))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $j)))
                (local.set $lj (i32.add (local.get $l) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 3))))
                (local.set $s0 (f64x2.sub (local.get $s0) (f64x2.mul
                  (v128.load align=8 (i32.add (local.get $lj) (i32.shl (local.get $i) (i32.const 3))))
                  (v128.load64_splat align=8 (i32.add (local.get $lj) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $ks)))
            (v128.store align=8 (i32.add (local.get $column) (i32.shl (local.get $i) (i32.const 3))) (f64x2.div (local.get $s0) (local.get $roots)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $pairs)))
        ;; The last row alone.
        (if (i32.lt_u (local.get $i) (local.get $n))
          (then
            (local.set $sum (f64.load (i32.add (local.get $t) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3)))))
            (local.set $k (i32.const 0))
            (block $k_done
              (loop $ks
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $j)))
                (local.set $lj (i32.add (local.get $l) (i32.shl (i32.mul (local.get $k) (local.get $n)) (i32.const 3))))
                (local.set $sum (f64.sub (local.get $sum) (f64.mul
                  (f64.load (i32.add (local.get $lj) (i32.shl (local.get $i) (i32.const 3))))
                  (f64.load (i32.add (local.get $lj) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $ks)))
            (f64.store (i32.add (local.get $column) (i32.shl (local.get $i) (i32.const 3))) (f64.div (local.get $sum) (local.get $root)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns)))
    (i32.const 0))

  ;; x ← the solution of L Lᵀ x = b (L from `factor` at l): y by forward substitution
  ;; (y[i] = (b[i] − Σ_{k<i} L[i][k] y[k]) / L[i][i]), then x by back substitution
  ;; (x[i] = (y[i] − Σ_{k>i} L[k][i] x[k]) / L[i][i]), each sum in k order.
  (func (export "solve") (param $l i32) (param $b i32) (param $y i32) (param $x i32) (param $n i32)
    (local $i i32) (local $k i32) (local $sum f64) (local $column i32)
    (block $forward_done
      (loop $forward
        (br_if $forward_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (f64.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $ks
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $i)))
            (local.set $sum (f64.sub (local.get $sum) (f64.mul
              (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $i)) (i32.const 3))))
              (f64.load (i32.add (local.get $y) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ks)))
        (f64.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $sum) (f64.load (i32.add (local.get $l) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $i)) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $forward)))
    (local.set $i (local.get $n))
    (block $back_done
      (loop $back
        (br_if $back_done (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        ;; Column i of L holds L[k][i] for k below the diagonal, side by side.
        (local.set $column (i32.add (local.get $l) (i32.shl (i32.mul (local.get $i) (local.get $n)) (i32.const 3))))
        (local.set $sum (f64.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $k (i32.add (local.get $i) (i32.const 1)))
        (block $k_done
          (loop $ks
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $sum (f64.sub (local.get $sum) (f64.mul
              (f64.load (i32.add (local.get $column) (i32.shl (local.get $k) (i32.const 3))))
              (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ks)))
        (f64.store (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))
          (f64.div (local.get $sum) (f64.load (i32.add (local.get $column) (i32.shl (local.get $i) (i32.const 3))))))
        (br $back))))
)
