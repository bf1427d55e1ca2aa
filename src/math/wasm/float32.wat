;; Float64 values rounded to float32 (each to nearest, ties to even, as a Float32Array stores a
;; number), plainly or after a column scaling, four at a time: two f32x4.demote_f64x2_zero joined by
;; a shuffle. V8's TypedArray.set converting float64 to float32 took ~1 ns a value in the cache and
;; 2.8–4.6 ns over a data set (27 million Fashion-MNIST values: 125–130 ms), a JavaScript loop as
;; long; a copy into this memory, this loop and a copy out run at memory speed.
;;
;; Build: npx tsx tools/build-wasm.ts (writes float32.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; $count float64 values at byte $src to float32 at byte $dst.
  (func (export "demote") (param $src i32) (param $dst i32) (param $count i32)
    (local $k i32) (local $fours i32) (local $from i32)
    (local.set $fours (i32.and (local.get $count) (i32.const -4)))
    (block $fours_done
      (loop $fours_loop
        (br_if $fours_done (i32.ge_u (local.get $k) (local.get $fours)))
        (local.set $from (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 3))))
        (v128.store align=4 (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (v128.load align=8 (local.get $from)))
            (f32x4.demote_f64x2_zero (v128.load offset=16 align=8 (local.get $from)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $fours_loop)))
    (block $rest_done
      (loop $rest_loop
        (br_if $rest_done (i32.ge_u (local.get $k) (local.get $count)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $k) (i32.const 2)))
          (f32.demote_f64 (f64.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 3))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rest_loop))))

  ;; $rows rows of $cols float64 values at byte $src, each value (x − offset[j]) · factor[j] + shift
  ;; in float64 (a subtraction, a multiplication, an addition: ColumnScaler.transformInto's
  ;; operations), then rounded to float32 at byte $dst. offset, factor: $cols float64 each.
  (func (export "scale_demote") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (param $offset i32) (param $factor i32) (param $shift f64)
    (local $i i32) (local $j i32) (local $pairs i32) (local $from i32) (local $to i32) (local $at i32) (local $shifts v128)
    (local.set $pairs (i32.and (local.get $cols) (i32.const -2)))
    (local.set $shifts (f64x2.splat (local.get $shift)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $from (i32.add (local.get $src) (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 3))))
        (local.set $to (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $i) (local.get $cols)) (i32.const 2))))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pairs_loop
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pairs)))
            (local.set $at (i32.shl (local.get $j) (i32.const 3)))
            (v128.store64_lane align=4 0 (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 2)))
              (f32x4.demote_f64x2_zero
                (f64x2.add
                  (f64x2.mul
                    (f64x2.sub (v128.load align=8 (i32.add (local.get $from) (local.get $at))) (v128.load align=8 (i32.add (local.get $offset) (local.get $at))))
                    (v128.load align=8 (i32.add (local.get $factor) (local.get $at))))
                  (local.get $shifts))))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pairs_loop)))
        (if (i32.lt_u (local.get $j) (local.get $cols))
          (then
            (local.set $at (i32.shl (local.get $j) (i32.const 3)))
            (f32.store (i32.add (local.get $to) (i32.shl (local.get $j) (i32.const 2)))
              (f32.demote_f64
                (f64.add
                  (f64.mul
                    (f64.sub (f64.load (i32.add (local.get $from) (local.get $at))) (f64.load (i32.add (local.get $offset) (local.get $at))))
                    (f64.load (i32.add (local.get $factor) (local.get $at))))
                  (local.get $shift))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))
)
