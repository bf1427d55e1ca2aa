;; Float64 kernels of a dense layer fed by sparse (compressed-row) inputs, two outputs at a time
;; (f64x2). Every output keeps the scalar code's order of operations — the bias, then each
;; product added in entry order, a multiply then an add (no fused multiply-add) — so the results
;; are the same bits as the JavaScript loops they replace. Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes sparse-layer.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

;; Dense rows as compressed rows: row i's non-zero values in column order (a value equal to zero,
;; −0 too, left out; NaN kept), each with its column as the byte offset of its weights in an
;; eight-column panel (column × 64, which `panel_forward`'s eights add to the panel's address as it
;; is), and where each row's entries start (what `panel_forward` reads). x: f64 rows × inputs;
;; starts: u32 × (rows + 1); columns: i32 per entry (column × 64, so fewer than 2^26 inputs);
;; values: f64 per entry (room for rows × inputs of each: a value not passed over in a four is
;; written before it is kept or passed over). The same entries as dense-forward.ts's JavaScript
;; loop made.
;; With $relu = 1, the rows are a ReLU layer's pre-activations and the entries are those of its
;; activations (v < 0 ? 0 : v): a value is kept where it is not ≤ 0 (a positive value or NaN, as
;; it is), and one ≤ 0 (−0 too) becomes a zero and is left out — the activation applied and the
;; zeros passed over in one pass.
  ;; Four values at a time: passed over together when all four would be left out (an MNIST row's
  ;; background: 64% of its aligned fours; no store, and a zero is finite), else tested for
  ;; finiteness together (f64x2) and written one by one without a branch; a row's last one to
  ;; three one by one. (1,000 MNIST rows: 1.07–1.16 ms value by value, 0.82–0.84 so; fours passed
  ;; over but their values tested one by one, 0.97–1.0; eights, 0.77–0.84, not taken.)
  ;; Returns 1 if a value tested was not finite (±Infinity or NaN: every exponent bit set), else
  ;; 0: without $relu every value that is not zero is tested — so a caller that must refuse
  ;; non-finite inputs need not scan them again (with $relu, a value ≤ 0 may go untested).
  (func (export "compress")
    (param $x i32) (param $rows i32) (param $inputs i32) (param $starts i32) (param $columns i32) (param $values i32) (param $relu i32)
    (result i32)
    (local $i i32) (local $k i32) (local $e i32) (local $at i32) (local $value f64) (local $nonFinite i32)
    (local $a v128) (local $b v128) (local $relu_lanes v128) (local $exponents v128) (local $bad v128)
    ;; All ones in every lane with $relu, else zeros: which test says a lane is left out.
    (local.set $relu_lanes (i64x2.splat (i64.sub (i64.const 0) (i64.extend_i32_u (local.get $relu)))))
    (local.set $exponents (i64x2.splat (i64.const 0x7ff0000000000000)))
    (local.set $at (local.get $x))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (i32.store (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
        (local.set $k (i32.const 0))
        ;; Four values at a time.
        (block $blocks_done
          (loop $blocks_loop
            (br_if $blocks_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $inputs)))
            (local.set $a (v128.load align=8 (local.get $at)))
            (local.set $b (v128.load offset=16 align=8 (local.get $at)))
            ;; Each lane left out: == 0 (plain), ≤ 0 (ReLU); NaN is neither. All four: passed over.
            (if (i32.eqz (i64x2.all_true (v128.and
                  (v128.bitselect (f64x2.le (local.get $a) (f64x2.splat (f64.const 0))) (f64x2.eq (local.get $a) (f64x2.splat (f64.const 0))) (local.get $relu_lanes))
                  (v128.bitselect (f64x2.le (local.get $b) (f64x2.splat (f64.const 0))) (f64x2.eq (local.get $b) (f64x2.splat (f64.const 0))) (local.get $relu_lanes)))))
              (then
                ;; Every exponent bit set: not finite.
                (local.set $bad (v128.or (local.get $bad) (v128.or
                  (i64x2.eq (v128.and (local.get $a) (local.get $exponents)) (local.get $exponents))
                  (i64x2.eq (v128.and (local.get $b) (local.get $exponents)) (local.get $exponents)))))
                ;; Each written at e whatever it is, e moved on only past a value kept: no branch to
                ;; mispredict (the non-zero pixels of a row follow no pattern).
                (local.set $value (f64.load (local.get $at)))
                (i32.store (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))) (i32.shl (local.get $k) (i32.const 6)))
                (f64.store (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))) (local.get $value))
                (local.set $e (i32.add (local.get $e)
                  (select (i32.eqz (f64.le (local.get $value) (f64.const 0))) (f64.ne (local.get $value) (f64.const 0)) (local.get $relu))))
                (local.set $value (f64.load offset=8 (local.get $at)))
                (i32.store (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 6)))
                (f64.store (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))) (local.get $value))
                (local.set $e (i32.add (local.get $e)
                  (select (i32.eqz (f64.le (local.get $value) (f64.const 0))) (f64.ne (local.get $value) (f64.const 0)) (local.get $relu))))
                (local.set $value (f64.load offset=16 (local.get $at)))
                (i32.store (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))) (i32.shl (i32.add (local.get $k) (i32.const 2)) (i32.const 6)))
                (f64.store (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))) (local.get $value))
                (local.set $e (i32.add (local.get $e)
                  (select (i32.eqz (f64.le (local.get $value) (f64.const 0))) (f64.ne (local.get $value) (f64.const 0)) (local.get $relu))))
                (local.set $value (f64.load offset=24 (local.get $at)))
                (i32.store (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))) (i32.shl (i32.add (local.get $k) (i32.const 3)) (i32.const 6)))
                (f64.store (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))) (local.get $value))
                (local.set $e (i32.add (local.get $e)
                  (select (i32.eqz (f64.le (local.get $value) (f64.const 0))) (f64.ne (local.get $value) (f64.const 0)) (local.get $relu))))))
            (local.set $at (i32.add (local.get $at) (i32.const 32)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $blocks_loop)))
        ;; The last one to three, one by one.
        (block $columns_done
          (loop $columns_loop
            (br_if $columns_done (i32.ge_u (local.get $k) (local.get $inputs)))
            (local.set $value (f64.load (local.get $at)))
            (i32.store (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))) (i32.shl (local.get $k) (i32.const 6)))
            (f64.store (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))) (local.get $value))
            (local.set $e (i32.add (local.get $e)
              (select (i32.eqz (f64.le (local.get $value) (f64.const 0))) (f64.ne (local.get $value) (f64.const 0)) (local.get $relu))))
            (local.set $nonFinite (i32.or (local.get $nonFinite) (i64.eq
              (i64.and (i64.reinterpret_f64 (local.get $value)) (i64.const 0x7ff0000000000000)) (i64.const 0x7ff0000000000000))))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $columns_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop)))
    (i32.store (i32.add (local.get $starts) (i32.shl (local.get $rows) (i32.const 2))) (local.get $e))
    (i32.or (local.get $nonFinite) (v128.any_true (local.get $bad))))

;; out[i][j] = theta[b + j] + Σ_e values[e] · theta[w + offsets[e]/8 + j], e over row i's entries.
  ;; starts: u32 × (rows + 1); offsets: i32 per entry, in bytes (column × width × 8); values: f64
  ;; per entry; theta: f64 array; w, b: element indices into theta; out: f64 rows × width.
  ;; Each row's outputs eight at a time (then two, then one), their sums held in registers while
  ;; the row's entries go by in order and stored once: every output starts from its bias and adds
  ;; its products in entry order, a multiply then an add, as the scalar loop does. (Entries outer
  ;; and outputs inner, the sums read and written in memory at every entry, took 1.5–2× as long.)
  ;; The entries are walked by pointer, the value a splat load and the offset added as it lies
  ;; (as `panel_forward`'s eights).
  ;; With $relu = 1 each sum is stored as its ReLU, max(0, sum) as Math.max(0, sum) has it (+0 for
  ;; −0, NaN kept): the layer's activation in the same pass; else as it is (max with −Infinity).
  (func (export "forward")
    (param $rows i32) (param $width i32) (param $starts i32) (param $offsets i32) (param $values i32)
    (param $theta i32) (param $w i32) (param $b i32) (param $out i32) (param $relu i32)
    (local $floor v128) (local $i i32) (local $j i32) (local $first i32) (local $last i32) (local $row i32)
    (local $value v128) (local $base i32) (local $at i32) (local $biases i32)
    (local $vp i32) (local $vstart i32) (local $vend i32) (local $op i32) (local $ostart i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $scalar f64)
    (local.set $biases (i32.add (local.get $theta) (i32.shl (local.get $b) (i32.const 3))))
    ;; Each sum stored as max(sum, floor): 0 for a ReLU layer (Math.max(0, sum): +0 for −0, NaN
    ;; kept), else −Infinity (the sum as it is).
    (local.set $floor (if (result v128) (local.get $relu) (then (v128.const f64x2 0 0)) (else (v128.const f64x2 -inf -inf))))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $out) (i32.shl (i32.mul (local.get $i) (local.get $width)) (i32.const 3))))
        (local.set $first (i32.load (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $last (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $vstart (i32.add (local.get $values) (i32.shl (local.get $first) (i32.const 3))))
        (local.set $vend (i32.add (local.get $values) (i32.shl (local.get $last) (i32.const 3))))
        (local.set $ostart (i32.add (local.get $offsets) (i32.shl (local.get $first) (i32.const 2))))
        (local.set $j (i32.const 0))
        ;; Eight outputs at a time.
        (block $eights_done
          (loop $eights_loop
            (br_if $eights_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $width)))
            (local.set $at (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $a0 (v128.load align=8 (local.get $at)))
            (local.set $a1 (v128.load offset=16 align=8 (local.get $at)))
            (local.set $a2 (v128.load offset=32 align=8 (local.get $at)))
            (local.set $a3 (v128.load offset=48 align=8 (local.get $at)))
            (local.set $base (i32.add (local.get $theta) (i32.shl (i32.add (local.get $w) (local.get $j)) (i32.const 3))))
            (local.set $vp (local.get $vstart))
            (local.set $op (local.get $ostart))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $value (v128.load64_splat (local.get $vp)))
                (local.set $at (i32.add (local.get $base) (i32.load (local.get $op))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $value) (v128.load offset=0 align=8 (local.get $at)))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $value) (v128.load offset=16 align=8 (local.get $at)))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $value) (v128.load offset=32 align=8 (local.get $at)))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $value) (v128.load offset=48 align=8 (local.get $at)))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $op (i32.add (local.get $op) (i32.const 4)))
                (br $entries_loop)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store align=8 (local.get $at) (f64x2.max (local.get $a0) (local.get $floor)))
            (v128.store offset=16 align=8 (local.get $at) (f64x2.max (local.get $a1) (local.get $floor)))
            (v128.store offset=32 align=8 (local.get $at) (f64x2.max (local.get $a2) (local.get $floor)))
            (v128.store offset=48 align=8 (local.get $at) (f64x2.max (local.get $a3) (local.get $floor)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $eights_loop)))
        ;; Two at a time.
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $width)))
            (local.set $a0 (v128.load align=8 (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $base (i32.add (local.get $theta) (i32.shl (i32.add (local.get $w) (local.get $j)) (i32.const 3))))
            (local.set $vp (local.get $vstart))
            (local.set $op (local.get $ostart))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (local.get $vp))
                  (v128.load align=8 (i32.add (local.get $base) (i32.load (local.get $op)))))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $op (i32.add (local.get $op) (i32.const 4)))
                (br $entries_loop)))
            (v128.store align=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (f64x2.max (local.get $a0) (local.get $floor)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs_loop)))
        ;; An odd width: the last output alone.
        (if (i32.lt_u (local.get $j) (local.get $width))
          (then
            (local.set $scalar (f64.load (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $base (i32.add (local.get $theta) (i32.shl (i32.add (local.get $w) (local.get $j)) (i32.const 3))))
            (local.set $vp (local.get $vstart))
            (local.set $op (local.get $ostart))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $scalar (f64.add (local.get $scalar) (f64.mul (f64.load (local.get $vp))
                  (f64.load (i32.add (local.get $base) (i32.load (local.get $op)))))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $op (i32.add (local.get $op) (i32.const 4)))
                (br $entries_loop)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (f64.max (local.get $scalar) (f64x2.extract_lane 0 (local.get $floor))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

;; Rows first … first + count − 1 of a layer's weights (count × width, row-major at byte $src:
  ;; the rows staged a block at a time) written into their places in the column panels at byte
  ;; $panels, which hold all `inputs` rows: eight-column panels first, each inputs × 8 (row k's eight
  ;; weights side by side), then two-column panels, inputs × 2, then an odd last column, inputs × 1
  ;; — inputs × width values in all, the same bits. In a panel the weights of rows k and k + 1 lie
  ;; 64 (16, 8) bytes apart, not 8 · width: a row's entries read neighbouring lines of one small
  ;; panel, which the cache keeps across rows.
  (func (export "pack_panels") (param $src i32) (param $first i32) (param $count i32) (param $width i32) (param $inputs i32) (param $panels i32)
    (local $j i32) (local $k i32) (local $from i32) (local $to i32) (local $stride i32) (local $panel i32)
    (local.set $stride (i32.shl (local.get $width) (i32.const 3)))
    (local.set $panel (local.get $panels))
    (block $eights_done
      (loop $eights_loop
        (br_if $eights_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $width)))
        (local.set $from (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $to (i32.add (local.get $panel) (i32.shl (local.get $first) (i32.const 6))))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $k_loop
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $count)))
            (v128.store align=8 (local.get $to) (v128.load align=8 (local.get $from)))
            (v128.store offset=16 align=8 (local.get $to) (v128.load offset=16 align=8 (local.get $from)))
            (v128.store offset=32 align=8 (local.get $to) (v128.load offset=32 align=8 (local.get $from)))
            (v128.store offset=48 align=8 (local.get $to) (v128.load offset=48 align=8 (local.get $from)))
            (local.set $to (i32.add (local.get $to) (i32.const 64)))
            (local.set $from (i32.add (local.get $from) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k_loop)))
        (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $inputs) (i32.const 6))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $eights_loop)))
    (block $pairs_done
      (loop $pairs_loop
        (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $width)))
        (local.set $from (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $to (i32.add (local.get $panel) (i32.shl (local.get $first) (i32.const 4))))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $k_loop
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $count)))
            (v128.store align=8 (local.get $to) (v128.load align=8 (local.get $from)))
            (local.set $to (i32.add (local.get $to) (i32.const 16)))
            (local.set $from (i32.add (local.get $from) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k_loop)))
        (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $inputs) (i32.const 4))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs_loop)))
    (if (i32.lt_u (local.get $j) (local.get $width))
      (then
        (local.set $from (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 3))))
        (local.set $to (i32.add (local.get $panel) (i32.shl (local.get $first) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $k_loop
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $count)))
            (i64.store (local.get $to) (i64.load (local.get $from)))
            (local.set $to (i32.add (local.get $to) (i32.const 8)))
            (local.set $from (i32.add (local.get $from) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k_loop))))))

  ;; out[i][j] = biases[j] + Σ_e values[e] · weight[columns[e]][j], e over row i's entries, the
  ;; weights as `pack_panels` wrote them at byte $panels, `columns` the entries' columns × 64 (as
  ;; `compress` writes them; ÷ 4 and ÷ 8 for the two- and one-column panels). Panel by panel, and in each every row: eight outputs' sums in four
  ;; f64x2 registers while the row's entries go by in order (then two, then one), each output from
  ;; its bias adding its products in entry order, a multiply then an add — `forward`'s operations,
  ;; so the same bits. (A 784 × 128 layer's 1,000 MNIST rows, same process, same bits: `forward`
  ;; on weights in rows of 8 · width bytes 3.0–4.3 ms, these panels 2.5–3.7 ms.) The eights walk
  ;; the entries with a pointer into the values and one into the columns, the value read as a splat
  ;; (`v128.load64_splat`) and the column added as it lies: 22 → 19 instructions an entry in V8's
  ;; code, 3.1–3.2 → 2.7–2.8 ms on those rows (the loop runs at the core's issue width; unrolled
  ;; to two entries a turn, or entries as 16-byte records of value and column, no faster).
  (func (export "panel_forward")
    (param $rows i32) (param $width i32) (param $inputs i32) (param $starts i32) (param $columns i32) (param $values i32)
    (param $panels i32) (param $biases i32) (param $out i32)
    (local $i i32) (local $j i32) (local $e i32) (local $last i32) (local $panel i32) (local $at i32)
    (local $vp i32) (local $vend i32) (local $cp i32)
    (local $value v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $scalar f64)
    (local.set $panel (local.get $panels))
    ;; Eight-column panels.
    (block $eights_done
      (loop $eights_loop
        (br_if $eights_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $width)))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows_loop
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $at (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $a0 (v128.load align=8 (local.get $at)))
            (local.set $a1 (v128.load offset=16 align=8 (local.get $at)))
            (local.set $a2 (v128.load offset=32 align=8 (local.get $at)))
            (local.set $a3 (v128.load offset=48 align=8 (local.get $at)))
            (local.set $at (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $e (i32.load (local.get $at)))
            (local.set $last (i32.load offset=4 (local.get $at)))
            ;; Pointers into the entries' values and columns, moved on by a value and a column each entry.
            (local.set $vp (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))
            (local.set $vend (i32.add (local.get $values) (i32.shl (local.get $last) (i32.const 3))))
            (local.set $cp (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2))))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $value (v128.load64_splat (local.get $vp)))
                (local.set $at (i32.add (local.get $panel) (i32.load (local.get $cp))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $value) (v128.load align=8 (local.get $at)))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $value) (v128.load offset=16 align=8 (local.get $at)))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $value) (v128.load offset=32 align=8 (local.get $at)))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $value) (v128.load offset=48 align=8 (local.get $at)))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 4)))
                (br $entries_loop)))
            (local.set $at (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $width)) (local.get $j)) (i32.const 3))))
            (v128.store align=8 (local.get $at) (local.get $a0))
            (v128.store offset=16 align=8 (local.get $at) (local.get $a1))
            (v128.store offset=32 align=8 (local.get $at) (local.get $a2))
            (v128.store offset=48 align=8 (local.get $at) (local.get $a3))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows_loop)))
        (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $inputs) (i32.const 6))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $eights_loop)))
    ;; Two-column panels.
    (block $pairs_done
      (loop $pairs_loop
        (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $width)))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows_loop
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $a0 (v128.load align=8 (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $at (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $e (i32.load (local.get $at)))
            (local.set $last (i32.load offset=4 (local.get $at)))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $e) (local.get $last)))
                (local.set $value (f64x2.splat (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $value)
                  (v128.load align=8 (i32.add (local.get $panel) (i32.shr_u (i32.load (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 2)))))))
                (local.set $e (i32.add (local.get $e) (i32.const 1)))
                (br $entries_loop)))
            (v128.store align=8 (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $width)) (local.get $j)) (i32.const 3))) (local.get $a0))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows_loop)))
        (local.set $panel (i32.add (local.get $panel) (i32.shl (local.get $inputs) (i32.const 4))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs_loop)))
    ;; An odd width: the last column alone.
    (if (i32.lt_u (local.get $j) (local.get $width))
      (then
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows_loop
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $scalar (f64.load (i32.add (local.get $biases) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $at (i32.add (local.get $starts) (i32.shl (local.get $i) (i32.const 2))))
            (local.set $e (i32.load (local.get $at)))
            (local.set $last (i32.load offset=4 (local.get $at)))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $e) (local.get $last)))
                (local.set $scalar (f64.add (local.get $scalar) (f64.mul
                  (f64.load (i32.add (local.get $values) (i32.shl (local.get $e) (i32.const 3))))
                  (f64.load (i32.add (local.get $panel) (i32.shr_u (i32.load (i32.add (local.get $columns) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 3)))))))
                (local.set $e (i32.add (local.get $e) (i32.const 1)))
                (br $entries_loop)))
            (f64.store (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $width)) (local.get $j)) (i32.const 3))) (local.get $scalar))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows_loop))))))

  ;; A dense layer's weight gradient: gradient[k][j] += Σ_i x[i][k] · delta[i][j] (x: rows × inputs,
  ;; delta: rows × width, gradient: inputs × width), rows in order — the same products added in the
  ;; same order as the scalar loop (each row's products added, rows in order), so the same bits; but eight
  ;; inputs' sums for a pair of outputs stay in registers while the rows go by (then one input at
  ;; a time; an odd width's last output alone), instead of a load and a store of the gradient
  ;; every product.
  (func (export "dense_backward")
    (param $rows i32) (param $inputs i32) (param $width i32) (param $x i32) (param $delta i32) (param $gradient i32)
    (local $j i32) (local $k i32) (local $i i32) (local $xp i32) (local $dp i32) (local $g i32)
    (local $grow i32) (local $xrow i32) (local $drow i32) (local $d v128) (local $scalar f64)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    ;; A gradient row, a row of x and a row of delta, in bytes.
    (local.set $grow (i32.shl (local.get $width) (i32.const 3)))
    (local.set $xrow (i32.shl (local.get $inputs) (i32.const 3)))
    (local.set $drow (i32.shl (local.get $width) (i32.const 3)))
    (block $pairs_done
      (loop $pairs_loop
        (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $width)))
        (local.set $k (i32.const 0))
        (block $eights_done
          (loop $eights_loop
            (br_if $eights_done (i32.gt_u (i32.add (local.get $k) (i32.const 8)) (local.get $inputs)))
            (local.set $g (i32.add (local.get $gradient) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $width)) (local.get $j)) (i32.const 3))))
            (local.set $a0 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 0) (local.get $grow)))))
            (local.set $a1 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 1) (local.get $grow)))))
            (local.set $a2 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 2) (local.get $grow)))))
            (local.set $a3 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 3) (local.get $grow)))))
            (local.set $a4 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 4) (local.get $grow)))))
            (local.set $a5 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 5) (local.get $grow)))))
            (local.set $a6 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 6) (local.get $grow)))))
            (local.set $a7 (v128.load align=8 (i32.add (local.get $g) (i32.mul (i32.const 7) (local.get $grow)))))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3))))
            (local.set $dp (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $i (i32.const 0))
            (block $rows_done
              (loop $rows_loop
                (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
                (local.set $d (v128.load align=8 (local.get $dp)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat offset=0 (local.get $xp)) (local.get $d))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load64_splat offset=8 (local.get $xp)) (local.get $d))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (v128.load64_splat offset=16 (local.get $xp)) (local.get $d))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (v128.load64_splat offset=24 (local.get $xp)) (local.get $d))))
                (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (v128.load64_splat offset=32 (local.get $xp)) (local.get $d))))
                (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (v128.load64_splat offset=40 (local.get $xp)) (local.get $d))))
                (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (v128.load64_splat offset=48 (local.get $xp)) (local.get $d))))
                (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (v128.load64_splat offset=56 (local.get $xp)) (local.get $d))))
                (local.set $xp (i32.add (local.get $xp) (local.get $xrow)))
                (local.set $dp (i32.add (local.get $dp) (local.get $drow)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows_loop)))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 0) (local.get $grow))) (local.get $a0))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 1) (local.get $grow))) (local.get $a1))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 2) (local.get $grow))) (local.get $a2))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 3) (local.get $grow))) (local.get $a3))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 4) (local.get $grow))) (local.get $a4))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 5) (local.get $grow))) (local.get $a5))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 6) (local.get $grow))) (local.get $a6))
            (v128.store align=8 (i32.add (local.get $g) (i32.mul (i32.const 7) (local.get $grow))) (local.get $a7))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br $eights_loop)))
        ;; The other inputs one at a time.
        (block $ones_done
          (loop $ones_loop
            (br_if $ones_done (i32.ge_u (local.get $k) (local.get $inputs)))
            (local.set $g (i32.add (local.get $gradient) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $width)) (local.get $j)) (i32.const 3))))
            (local.set $a0 (v128.load align=8 (local.get $g)))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3))))
            (local.set $dp (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $i (i32.const 0))
            (block $rows_done
              (loop $rows_loop
                (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (local.get $xp)) (v128.load align=8 (local.get $dp)))))
                (local.set $xp (i32.add (local.get $xp) (local.get $xrow)))
                (local.set $dp (i32.add (local.get $dp) (local.get $drow)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows_loop)))
            (v128.store align=8 (local.get $g) (local.get $a0))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ones_loop)))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $pairs_loop)))
    ;; An odd width: its last output alone, one input at a time.
    (if (i32.lt_u (local.get $j) (local.get $width))
      (then
        (local.set $k (i32.const 0))
        (block $ones_done
          (loop $ones_loop
            (br_if $ones_done (i32.ge_u (local.get $k) (local.get $inputs)))
            (local.set $g (i32.add (local.get $gradient) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $width)) (local.get $j)) (i32.const 3))))
            (local.set $scalar (f64.load (local.get $g)))
            (local.set $xp (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3))))
            (local.set $dp (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $i (i32.const 0))
            (block $rows_done
              (loop $rows_loop
                (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
                (local.set $scalar (f64.add (local.get $scalar) (f64.mul (f64.load (local.get $xp)) (f64.load (local.get $dp)))))
                (local.set $xp (i32.add (local.get $xp) (local.get $xrow)))
                (local.set $dp (i32.add (local.get $dp) (local.get $drow)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows_loop)))
            (f64.store (local.get $g) (local.get $scalar))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $ones_loop))))))

  ;; gradient[c][j] += Σ_e values[e] · delta[row(e)][j] for every column c < $columns, e over column
  ;; c's entries, rows in order, the rows in blocks: `starts` (u32 × (segments + 1)) cuts the
  ;; entries into segments, block after block and in each block column after column (segment s is
  ;; column s mod $columns of block s div $columns), `rows` holds each entry's row as the byte
  ;; offset of its deltas (row × width × 8), `values` its value. Each gradient entry adds the same
  ;; products in the same order as the scalar loop over the rows (which adds a row's products to every
  ;; column it holds, rows in order), so the same bits; but a gradient row's eight sums stay in
  ;; four f64x2 registers while a segment's entries go by, instead of a load and a store of the
  ;; gradient every product (then two, then one, for the rest of the width), and a block's deltas
  ;; stay in the cache while its columns read them.
  (func (export "backward_columns")
    (param $segments i32) (param $columns i32) (param $width i32) (param $starts i32) (param $rows i32) (param $values i32)
    (param $delta i32) (param $gradient i32)
    (local $s i32) (local $c i32) (local $j i32) (local $first i32) (local $last i32) (local $row i32) (local $at i32)
    (local $vp i32) (local $vend i32) (local $rp i32) (local $base i32)
    (local $value v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $scalar f64)
    (block $columns_done
      (loop $columns_loop
        (br_if $columns_done (i32.ge_u (local.get $s) (local.get $segments)))
        (local.set $row (i32.add (local.get $gradient) (i32.shl (i32.mul (local.get $c) (local.get $width)) (i32.const 3))))
        (local.set $first (i32.load (i32.add (local.get $starts) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $last (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $vend (i32.add (local.get $values) (i32.shl (local.get $last) (i32.const 3))))
        (local.set $j (i32.const 0))
        ;; Eight at a time.
        (block $eights_done
          (loop $eights_loop
            (br_if $eights_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $width)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $a0 (v128.load align=8 (local.get $at)))
            (local.set $a1 (v128.load offset=16 align=8 (local.get $at)))
            (local.set $a2 (v128.load offset=32 align=8 (local.get $at)))
            (local.set $a3 (v128.load offset=48 align=8 (local.get $at)))
            (local.set $base (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $vp (i32.add (local.get $values) (i32.shl (local.get $first) (i32.const 3))))
            (local.set $rp (i32.add (local.get $rows) (i32.shl (local.get $first) (i32.const 2))))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $value (v128.load64_splat (local.get $vp)))
                (local.set $at (i32.add (local.get $base) (i32.load (local.get $rp))))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $value) (v128.load offset=0 align=8 (local.get $at)))))
                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $value) (v128.load offset=16 align=8 (local.get $at)))))
                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $value) (v128.load offset=32 align=8 (local.get $at)))))
                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $value) (v128.load offset=48 align=8 (local.get $at)))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
                (br $entries_loop)))
            (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
            (v128.store align=8 (local.get $at) (local.get $a0))
            (v128.store offset=16 align=8 (local.get $at) (local.get $a1))
            (v128.store offset=32 align=8 (local.get $at) (local.get $a2))
            (v128.store offset=48 align=8 (local.get $at) (local.get $a3))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $eights_loop)))
        ;; Two at a time.
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $width)))
            (local.set $a0 (v128.load align=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $base (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $vp (i32.add (local.get $values) (i32.shl (local.get $first) (i32.const 3))))
            (local.set $rp (i32.add (local.get $rows) (i32.shl (local.get $first) (i32.const 2))))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (local.get $vp))
                  (v128.load align=8 (i32.add (local.get $base) (i32.load (local.get $rp)))))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
                (br $entries_loop)))
            (v128.store align=8 (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $a0))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs_loop)))
        ;; An odd width: the last one alone.
        (if (i32.lt_u (local.get $j) (local.get $width))
          (then
            (local.set $scalar (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
            (local.set $base (i32.add (local.get $delta) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $vp (i32.add (local.get $values) (i32.shl (local.get $first) (i32.const 3))))
            (local.set $rp (i32.add (local.get $rows) (i32.shl (local.get $first) (i32.const 2))))
            (block $entries_done
              (loop $entries_loop
                (br_if $entries_done (i32.ge_u (local.get $vp) (local.get $vend)))
                (local.set $scalar (f64.add (local.get $scalar) (f64.mul (f64.load (local.get $vp))
                  (f64.load (i32.add (local.get $base) (i32.load (local.get $rp)))))))
                (local.set $vp (i32.add (local.get $vp) (i32.const 8)))
                (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
                (br $entries_loop)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $scalar))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (if (i32.eq (local.get $c) (local.get $columns)) (then (local.set $c (i32.const 0))))
        (br $columns_loop))))

  ;; The deltas of a tanh or ReLU layer from those of the layer above it (`above` outputs a row):
  ;; below[i][k] = (Σ_j theta[k][j] · delta[i][j]) · f(out[i][k]), where out holds the layer's
  ;; values (after its activation) and `transposed` its successor's weights as above × width
  ;; (transposed[j][k] = theta[k][j], so two k's are side by side); f(a) = 1 − a² for tanh
  ;; ($relu = 0), (a > 0 ? 1 : 0) for ReLU ($relu = 1). Each sum starts at 0 and adds its
  ;; products in j order, then one multiply — the same operations as the scalar loop, two k's at
  ;; a time.
  (func (export "activation_deltas")
    (param $rows i32) (param $width i32) (param $above i32) (param $transposed i32)
    (param $delta i32) (param $out i32) (param $below i32) (param $relu i32)
    (local $i i32) (local $k i32) (local $j i32) (local $drow i32) (local $at i32)
    (local $tp i32) (local $dp i32) (local $dend i32) (local $stride i32) (local $d0 v128) (local $d1 v128)
    (local $sum v128) (local $a v128) (local $scalar f64) (local $value f64)
    ;; A row of the transposed weights, in bytes.
    (local.set $stride (i32.shl (local.get $width) (i32.const 3)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $drow (i32.add (local.get $delta) (i32.shl (i32.mul (local.get $i) (local.get $above)) (i32.const 3))))
        (local.set $at (i32.shl (i32.mul (local.get $i) (local.get $width)) (i32.const 3)))
        (local.set $k (i32.const 0))
        ;; Two outputs above (a binary model's): their deltas splatted once a row.
        (if (i32.eq (local.get $above) (i32.const 2))
          (then
            (local.set $d0 (v128.load64_splat (local.get $drow)))
            (local.set $d1 (v128.load64_splat offset=8 (local.get $drow)))))
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $k) (i32.const 2)) (local.get $width)))
            (local.set $tp (i32.add (local.get $transposed) (i32.shl (local.get $k) (i32.const 3))))
            (if (i32.eq (local.get $above) (i32.const 2))
              (then
                (local.set $sum (f64x2.add (f64x2.add (v128.const f64x2 0 0) (f64x2.mul (v128.load align=8 (local.get $tp)) (local.get $d0)))
                  (f64x2.mul (v128.load align=8 (i32.add (local.get $tp) (local.get $stride))) (local.get $d1)))))
              (else
                (local.set $sum (v128.const f64x2 0 0))
                (local.set $dp (local.get $drow))
                (local.set $dend (i32.add (local.get $drow) (i32.shl (local.get $above) (i32.const 3))))
                (block $sum_done
                  (loop $sum_loop
                    (br_if $sum_done (i32.ge_u (local.get $dp) (local.get $dend)))
                    (local.set $sum (f64x2.add (local.get $sum) (f64x2.mul (v128.load align=8 (local.get $tp)) (v128.load64_splat (local.get $dp)))))
                    (local.set $tp (i32.add (local.get $tp) (local.get $stride)))
                    (local.set $dp (i32.add (local.get $dp) (i32.const 8)))
                    (br $sum_loop)))))
            (local.set $a (v128.load align=8 (i32.add (local.get $out) (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 3))))))
            (v128.store align=8 (i32.add (local.get $below) (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 3))))
              (f64x2.mul (local.get $sum) (if (result v128) (local.get $relu)
                ;; 1.0 where a > 0 (all ones anded with 1.0's bits), else +0.
                (then (v128.and (f64x2.gt (local.get $a) (v128.const f64x2 0 0)) (v128.const f64x2 1 1)))
                (else (f64x2.sub (v128.const f64x2 1 1) (f64x2.mul (local.get $a) (local.get $a)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 2)))
            (br $pairs_loop)))
        ;; An odd width: the last k alone.
        (if (i32.lt_u (local.get $k) (local.get $width))
          (then
            (local.set $scalar (f64.const 0))
            (local.set $j (i32.const 0))
            (block $sum_done
              (loop $sum_loop
                (br_if $sum_done (i32.ge_u (local.get $j) (local.get $above)))
                (local.set $scalar (f64.add (local.get $scalar) (f64.mul
                  (f64.load (i32.add (local.get $transposed) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $width)) (local.get $k)) (i32.const 3))))
                  (f64.load (i32.add (local.get $drow) (i32.shl (local.get $j) (i32.const 3)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sum_loop)))
            (local.set $value (f64.load (i32.add (local.get $out) (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 3))))))
            (f64.store (i32.add (local.get $below) (i32.add (local.get $at) (i32.shl (local.get $k) (i32.const 3))))
              (f64.mul (local.get $scalar) (if (result f64) (local.get $relu)
                (then (select (f64.const 1) (f64.const 0) (f64.gt (local.get $value) (f64.const 0))))
                (else (f64.sub (f64.const 1) (f64.mul (local.get $value) (local.get $value)))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; tanh in place over `count` doubles from byte `at` (16-aligned; the block padded to a whole
  ;; pair, as byteLayout's are), two at a time and without branches: tanh|x| = −E/(2 + E) with
  ;; E = expm1(−2|x|) = (2^k − 1) + 2^k · expm1(r) by a Cody–Waite reduction (|r| ≤ ln 2 / 2) and
  ;; expm1(r)'s Taylor polynomial of degree 14 (|x| clamped to 20, where tanh is 1 in float64);
  ;; then x's sign. The same operations in the same order as `tanh` in src/math/tanh.ts, so the
  ;; same bits (tested).
  (func (export "tanh") (param $at i32) (param $count i32)
    (local $end i32) (local $x v128) (local $y v128) (local $k v128) (local $r v128) (local $q v128)
    (local $scale v128) (local $e v128)
    (local.set $end (i32.add (local.get $at) (i32.shl (i32.and (i32.add (local.get $count) (i32.const 1)) (i32.const -2)) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $x (v128.load (local.get $at)))
        (local.set $y (f64x2.mul (v128.const f64x2 -2 -2) (f64x2.pmin (f64x2.abs (local.get $x)) (v128.const f64x2 20 20))))
        (local.set $k (f64x2.nearest (f64x2.mul (local.get $y) (v128.const f64x2 1.4426950408889634 1.4426950408889634))))
        (local.set $r (f64x2.add
          (f64x2.add (local.get $y) (f64x2.mul (local.get $k) (v128.const f64x2 -0.6931471803691238 -0.6931471803691238)))
          (f64x2.mul (local.get $k) (v128.const f64x2 -1.9082149292705877e-10 -1.9082149292705877e-10))))
        (local.set $q (v128.const f64x2 1.1470745597729725e-11 1.1470745597729725e-11))
        (local.set $q (f64x2.add (v128.const f64x2 1.6059043836821613e-10 1.6059043836821613e-10) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 2.08767569878681e-09 2.08767569878681e-09) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 2.505210838544172e-08 2.505210838544172e-08) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 2.755731922398589e-07 2.755731922398589e-07) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 2.7557319223985893e-06 2.7557319223985893e-06) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 2.48015873015873e-05 2.48015873015873e-05) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.0001984126984126984 0.0001984126984126984) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.001388888888888889 0.001388888888888889) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.008333333333333333 0.008333333333333333) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.041666666666666664 0.041666666666666664) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.16666666666666666 0.16666666666666666) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 0.5 0.5) (f64x2.mul (local.get $r) (local.get $q))))
        (local.set $q (f64x2.add (v128.const f64x2 1.0 1.0) (f64x2.mul (local.get $r) (local.get $q))))
        ;; 2^k from its bits: k + 1023 + 2^52 holds k + 1023 in its low bits; << 52 moves them to the
        ;; exponent (k in [−58, 0]).
        (local.set $scale (i64x2.shl (f64x2.add (local.get $k) (v128.const f64x2 4503599627371519 4503599627371519)) (i32.const 52)))
        (local.set $e (f64x2.add (f64x2.sub (local.get $scale) (v128.const f64x2 1 1))
          (f64x2.mul (local.get $scale) (f64x2.mul (local.get $r) (local.get $q)))))
        (local.set $e (f64x2.div (f64x2.neg (local.get $e)) (f64x2.add (v128.const f64x2 2 2) (local.get $e))))
        (v128.store (local.get $at) (v128.or
          (v128.and (local.get $e) (v128.const i64x2 0x7fffffffffffffff 0x7fffffffffffffff))
          (v128.and (local.get $x) (v128.const i64x2 0x8000000000000000 0x8000000000000000))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $next))))

  ;; #include exp.wati

  ;; Math.exp's value for x, for the tests.
  (func (export "exp") (param $x f64) (result f64)
    (call $exp (local.get $x)))

  ;; The softmax of each of $rows rows of $width doubles at byte $at, in place, as dense-network.ts's
  ;; softmaxRows computes it: the row's largest (Math.max's: NaN if any is, +0 above −0 — f64.max's
  ;; rules too), each value's exp(v − largest) in turn, their sum in order, each divided by it.
  ;; In JavaScript it ran unoptimised on a process's first 1,000-row call (0.77 ms against 0.13).
  (func (export "softmax_rows") (param $at i32) (param $rows i32) (param $width i32)
    (local $i i32) (local $j i32) (local $row i32) (local $largest f64) (local $total f64) (local $value f64)
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $at) (i32.shl (i32.mul (local.get $i) (local.get $width)) (i32.const 3))))
        (local.set $largest (f64.const -inf))
        (local.set $j (i32.const 0))
        (block $max_done
          (loop $max_loop
            (br_if $max_done (i32.ge_u (local.get $j) (local.get $width)))
            (local.set $largest (f64.max (local.get $largest) (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $max_loop)))
        (local.set $total (f64.const 0))
        (local.set $j (i32.const 0))
        (block $exp_done
          (loop $exp_loop
            (br_if $exp_done (i32.ge_u (local.get $j) (local.get $width)))
            (local.set $value (call $exp (f64.sub (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (local.get $largest))))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))) (local.get $value))
            (local.set $total (f64.add (local.get $total) (local.get $value)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $exp_loop)))
        (local.set $j (i32.const 0))
        (block $div_done
          (loop $div_loop
            (br_if $div_done (i32.ge_u (local.get $j) (local.get $width)))
            (f64.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))
              (f64.div (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))) (local.get $total)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $div_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))
)
