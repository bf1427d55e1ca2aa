;; The Hessian of a logistic loss (binary or softmax) as a sum over rows of IRLS-weighted outer
;; products of each row's non-zero entries (newton-logistic.ts): the loop that takes nearly all of
;; a Newton iteration. In JavaScript a small problem's first fit runs it uncompiled (Iris: 6-9 ms
;; an iteration for the first three, 0.2 ms once V8 has optimised it); here it is compiled before
;; it first runs. Same loops, same order of additions, a multiply then an add (no fused
;; multiply-add): the same bits as the JavaScript loop. Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes hessian.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; hessian[(c·stride + a)·size + d·stride + b] += weights[i][c][d] · x_ia · x_ib, for rows i from
  ;; $first to $end − 1, blocks c ≥ d (weights: f64, from row $first on, the lower triangle of each
  ;; row's blocks × blocks matrix, row by row: c·(c + 1)/2 + d), and entries a, b of row i: within a block (c = d) only b's entry at or
  ;; before a's (the lower triangle), across blocks every pair. A zero weight adds nothing.
  ;; starts: u32 × (rows + 1); columns: u32 per entry (increasing within a row); values: f64 per entry.
  (func (export "accumulate")
    (param $first i32) (param $end i32) (param $blocks i32) (param $stride i32) (param $size i32)
    (param $starts i32) (param $columns i32) (param $values i32) (param $weights i32) (param $hessian i32)
    (local $c i32) (local $d i32) (local $k i32) (local $l i32)
    (local $from i32) (local $to i32) (local $last i32) (local $row i32) (local $at i32)
    (local $weight f64) (local $va f64) (local $i i32)
    (local.set $i (local.get $first))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $from (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $to (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $blocks)))
            (local.set $d (i32.const 0))
            (block $d_done
              (loop $d_loop
                (br_if $d_done (i32.gt_u (local.get $d) (local.get $c)))
                (local.set $weight (f64.load (local.get $weights)))
                (local.set $weights (i32.add (local.get $weights) (i32.const 8)))
                (if (f64.ne (local.get $weight) (f64.const 0))
                  (then
                    (local.set $k (local.get $from))
                    (block $k_done
                      (loop $k_loop
                        (br_if $k_done (i32.ge_u (local.get $k) (local.get $to)))
                        ;; the byte address of hessian[(c·stride + column_k)·size + d·stride]
                        (local.set $row (i32.add (local.get $hessian) (i32.shl
                          (i32.add
                            (i32.mul
                              (i32.add (i32.mul (local.get $c) (local.get $stride))
                                (i32.load (i32.add (local.get $columns) (i32.shl (local.get $k) (i32.const 2)))))
                              (local.get $size))
                            (i32.mul (local.get $d) (local.get $stride)))
                          (i32.const 3))))
                        (local.set $va (f64.mul (local.get $weight) (f64.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 3))))))
                        (local.set $last (select (i32.add (local.get $k) (i32.const 1)) (local.get $to) (i32.eq (local.get $c) (local.get $d))))
                        (local.set $l (local.get $from))
                        (block $l_done
                          (loop $l_loop
                            (br_if $l_done (i32.ge_u (local.get $l) (local.get $last)))
                            (local.set $at (i32.add (local.get $row)
                              (i32.shl (i32.load (i32.add (local.get $columns) (i32.shl (local.get $l) (i32.const 2)))) (i32.const 3))))
                            (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                              (f64.mul (local.get $va) (f64.load (i32.add (local.get $values) (i32.shl (local.get $l) (i32.const 3)))))))
                            (local.set $l (i32.add (local.get $l) (i32.const 1)))
                            (br $l_loop)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br $k_loop)))))
                (local.set $d (i32.add (local.get $d) (i32.const 1)))
                (br $d_loop)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; The scores of rows $first to $end − 1 at θ: out[(i − $first)·blocks + c] = Σ θ[c·stride + column_k] · value_k
  ;; over row i's entries in order, from 0 — a multiply then an add, as Newton's JavaScript loop summed them.
  (func (export "scores")
    (param $first i32) (param $end i32) (param $blocks i32) (param $stride i32)
    (param $starts i32) (param $columns i32) (param $values i32) (param $theta i32) (param $out i32)
    (local $i i32) (local $c i32) (local $k i32) (local $from i32) (local $to i32) (local $block i32) (local $z f64)
    (local.set $i (local.get $first))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $from (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $to (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $blocks)))
            ;; the byte address of θ[c·stride]
            (local.set $block (i32.add (local.get $theta) (i32.shl (i32.mul (local.get $c) (local.get $stride)) (i32.const 3))))
            (local.set $z (f64.const 0))
            (local.set $k (local.get $from))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $to)))
                (local.set $z (f64.add (local.get $z) (f64.mul
                  (f64.load (i32.add (local.get $block) (i32.shl (i32.load (i32.add (local.get $columns) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
                  (f64.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $k_loop)))
            (f64.store (local.get $out) (local.get $z))
            (local.set $out (i32.add (local.get $out) (i32.const 8)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; gradient[c·stride + column_k] += residuals[(i − $first)·blocks + c] · value_k for rows i from $first to
  ;; $end − 1 in order, blocks c, entries k in order: the loss gradient's sum over rows, as Newton's
  ;; JavaScript loop added it.
  (func (export "scatter")
    (param $first i32) (param $end i32) (param $blocks i32) (param $stride i32)
    (param $starts i32) (param $columns i32) (param $values i32) (param $residuals i32) (param $gradient i32)
    (local $i i32) (local $c i32) (local $k i32) (local $from i32) (local $to i32) (local $block i32) (local $at i32) (local $residual f64)
    (local.set $i (local.get $first))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $from (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $to (i32.load (i32.add (local.get $starts) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))))
        (local.set $c (i32.const 0))
        (block $c_done
          (loop $c_loop
            (br_if $c_done (i32.ge_u (local.get $c) (local.get $blocks)))
            (local.set $block (i32.add (local.get $gradient) (i32.shl (i32.mul (local.get $c) (local.get $stride)) (i32.const 3))))
            (local.set $residual (f64.load (local.get $residuals)))
            (local.set $residuals (i32.add (local.get $residuals) (i32.const 8)))
            (local.set $k (local.get $from))
            (block $k_done
              (loop $k_loop
                (br_if $k_done (i32.ge_u (local.get $k) (local.get $to)))
                (local.set $at (i32.add (local.get $block) (i32.shl (i32.load (i32.add (local.get $columns) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
                (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
                  (f64.mul (local.get $residual) (f64.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 3)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $k_loop)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $c_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))
)
