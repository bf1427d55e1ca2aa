;; Whether a block of float64 values holds one that is not finite, two values at a time (f64x2),
;; for the checks every fit and prediction makes of its rows (models/validate.ts). A JavaScript loop
;; over a training set is fast once V8 has optimised it, but a process's first fit runs it before
;; then: 8–12 ms for Fashion-MNIST's 3,000 × 784 values against 1.2–2.9 ms later. This is
;; compiled before it first runs. Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes finite.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; 1 if one of the $count doubles at $at (8-aligned) is not finite, else 0. Not finite: every
  ;; exponent bit set (±Infinity, NaN); with $allow_nan 1, only ±Infinity (the magnitude's bits
  ;; exactly those of Infinity: NaN, a missing value, passes).
  (func (export "any_not_finite") (param $at i32) (param $count i32) (param $allow_nan i32) (result i32)
    (local $end i32) (local $pairs_end i32) (local $bad v128) (local $v v128) (local $bits i64)
    (local $exponents v128) (local $magnitude v128) (local $nan_lanes v128)
    (local.set $exponents (i64x2.splat (i64.const 0x7ff0000000000000)))
    (local.set $magnitude (i64x2.splat (i64.const 0x7fffffffffffffff)))
    ;; All ones in every lane with $allow_nan: the test is then on the magnitude.
    (local.set $nan_lanes (i64x2.splat (i64.sub (i64.const 0) (i64.extend_i32_u (local.get $allow_nan)))))
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 3))))
    (local.set $pairs_end (i32.add (local.get $at) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 3))))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $at) (local.get $pairs_end)))
        (local.set $v (v128.load align=8 (local.get $at)))
        (local.set $bad (v128.or (local.get $bad) (v128.bitselect
          (i64x2.eq (v128.and (local.get $v) (local.get $magnitude)) (local.get $exponents))
          (i64x2.eq (v128.and (local.get $v) (local.get $exponents)) (local.get $exponents))
          (local.get $nan_lanes))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $at) (local.get $end))
      (then
        (local.set $bits (i64.load (local.get $at)))
        (if (select
              (i64.eq (i64.and (local.get $bits) (i64.const 0x7fffffffffffffff)) (i64.const 0x7ff0000000000000))
              (i64.eq (i64.and (local.get $bits) (i64.const 0x7ff0000000000000)) (i64.const 0x7ff0000000000000))
              (local.get $allow_nan))
          (then (return (i32.const 1))))))
    (v128.any_true (local.get $bad))))
