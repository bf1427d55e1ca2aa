;; Standard normal draws by Marsaglia's polar method from xoshiro128** (Blackman & Vigna 2018),
;; the values and the stream of random.ts's `Rng.normal()` / `fillNormal` bit for bit: the same
;; 32-bit steps (i32 arithmetic wraps as Math.imul does), each 53-bit uniform made as `uniform()`
;; makes it, the same float64 operations in the same order (WebAssembly has no fused
;; multiply-add), and the logarithm as V8's Math.log computes it — fdlibm's __ieee754_log (Sun
;; Microsystems 1993: "Permission to use, copy, modify, and distribute this software is freely
;; granted, provided that this notice is preserved"), whose V8 port (src/base/ieee754.cc) Math.log
;; calls — its argument reduction and polynomial written out below. f64.sqrt is correctly rounded,
;; as Math.sqrt is. In JavaScript the draws were a quarter of a HopSkipJump run on Fashion-MNIST
;; (100 directions of 784 normals an estimate).
;; Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes normal.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; x with its upper 32 bits replaced by $high.
  (func $withHigh (param $x f64) (param $high i32) (result f64)
    (f64.reinterpret_i64 (i64.or
      (i64.shl (i64.extend_i32_u (local.get $high)) (i64.const 32))
      (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0xffffffff)))))

  ;; The natural logarithm, fdlibm's __ieee754_log step by step: x = 2^k · (1 + f) with
  ;; √2/2 < 1 + f < √2, s = f / (2 + f), log(1 + f) = f − s·(f − R) (or with hfsq = f²/2 where
  ;; f is large) for R the polynomial in s² below, plus k·ln 2 in two parts.
  (func $log (param $x f64) (result f64)
    (local $hx i32) (local $lx i32) (local $k i32) (local $i i32) (local $j i32)
    (local $f f64) (local $s f64) (local $z f64) (local $w f64) (local $r f64) (local $t1 f64) (local $t2 f64)
    (local $dk f64) (local $hfsq f64)
    (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))
    (local.set $lx (i32.wrap_i64 (i64.reinterpret_f64 (local.get $x))))
    ;; x < 2^-1022: zero, negative, or subnormal (scaled up by 2^54).
    (if (i32.lt_s (local.get $hx) (i32.const 0x00100000))
      (then
        (if (i32.eqz (i32.or (i32.and (local.get $hx) (i32.const 0x7fffffff)) (local.get $lx)))
          (then (return (f64.const -inf))))
        (if (i32.lt_s (local.get $hx) (i32.const 0))
          (then (return (f64.const nan))))
        (local.set $k (i32.const -54))
        (local.set $x (f64.mul (local.get $x) (f64.const 18014398509481984)))
        (local.set $hx (i32.wrap_i64 (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 32))))))
    ;; Infinity or NaN.
    (if (i32.ge_s (local.get $hx) (i32.const 0x7ff00000))
      (then (return (f64.add (local.get $x) (local.get $x)))))
    (local.set $k (i32.add (local.get $k) (i32.sub (i32.shr_s (local.get $hx) (i32.const 20)) (i32.const 1023))))
    (local.set $hx (i32.and (local.get $hx) (i32.const 0x000fffff)))
    (local.set $i (i32.and (i32.add (local.get $hx) (i32.const 0x95f64)) (i32.const 0x100000)))
    ;; x or x / 2 normalised into [√2/2, √2).
    (local.set $x (call $withHigh (local.get $x) (i32.or (local.get $hx) (i32.xor (local.get $i) (i32.const 0x3ff00000)))))
    (local.set $k (i32.add (local.get $k) (i32.shr_s (local.get $i) (i32.const 20))))
    (local.set $f (f64.sub (local.get $x) (f64.const 1)))
    ;; |f| < 2^-20.
    (if (i32.lt_s (i32.and (i32.const 0x000fffff) (i32.add (i32.const 2) (local.get $hx))) (i32.const 3))
      (then
        (if (f64.eq (local.get $f) (f64.const 0))
          (then
            (if (i32.eqz (local.get $k)) (then (return (f64.const 0))))
            (local.set $dk (f64.convert_i32_s (local.get $k)))
            (return (f64.add (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1)) (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33))))))
        (local.set $r (f64.mul (f64.mul (local.get $f) (local.get $f))
          (f64.sub (f64.const 0.5) (f64.mul (f64.const 0.33333333333333333) (local.get $f)))))
        (if (i32.eqz (local.get $k)) (then (return (f64.sub (local.get $f) (local.get $r)))))
        (local.set $dk (f64.convert_i32_s (local.get $k)))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
          (f64.sub (f64.sub (local.get $r) (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33))) (local.get $f))))))
    (local.set $s (f64.div (local.get $f) (f64.add (f64.const 2) (local.get $f))))
    (local.set $dk (f64.convert_i32_s (local.get $k)))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (local.set $i (i32.sub (local.get $hx) (i32.const 0x6147a)))
    (local.set $w (f64.mul (local.get $z) (local.get $z)))
    (local.set $j (i32.sub (i32.const 0x6b851) (local.get $hx)))
    ;; t1 = w·(Lg2 + w·(Lg4 + w·Lg6)), t2 = z·(Lg1 + w·(Lg3 + w·(Lg5 + w·Lg7))).
    (local.set $t1 (f64.mul (local.get $w)
      (f64.add (f64.const 0x1.999999997fa04p-2)
        (f64.mul (local.get $w) (f64.add (f64.const 0x1.c71c51d8e78afp-3) (f64.mul (local.get $w) (f64.const 0x1.39a09d078c69fp-3)))))))
    (local.set $t2 (f64.mul (local.get $z)
      (f64.add (f64.const 0x1.5555555555593p-1)
        (f64.mul (local.get $w)
          (f64.add (f64.const 0x1.2492494229359p-2)
            (f64.mul (local.get $w) (f64.add (f64.const 0x1.7466496cb03dep-3) (f64.mul (local.get $w) (f64.const 0x1.2f112df3e5244p-3)))))))))
    (local.set $i (i32.or (local.get $i) (local.get $j)))
    (local.set $r (f64.add (local.get $t2) (local.get $t1)))
    (if (i32.gt_s (local.get $i) (i32.const 0))
      (then
        (local.set $hfsq (f64.mul (f64.mul (f64.const 0.5) (local.get $f)) (local.get $f)))
        (if (i32.eqz (local.get $k))
          (then (return (f64.sub (local.get $f)
            (f64.sub (local.get $hfsq) (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))))))))
        (return (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
          (f64.sub
            (f64.sub (local.get $hfsq)
              (f64.add (f64.mul (local.get $s) (f64.add (local.get $hfsq) (local.get $r))) (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33))))
            (local.get $f))))))
    (if (i32.eqz (local.get $k))
      (then (return (f64.sub (local.get $f) (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r)))))))
    (f64.sub (f64.mul (local.get $dk) (f64.const 0x1.62e42feep-1))
      (f64.sub
        (f64.sub (f64.mul (local.get $s) (f64.sub (local.get $f) (local.get $r))) (f64.mul (local.get $dk) (f64.const 0x1.a39ef35793c76p-33)))
        (local.get $f))))

  ;; Math.log's value for x, for the tests.
  (func (export "log") (param $x f64) (result f64)
    (call $log (local.get $x)))

  ;; $count normals into float64s at $out (room for an even count: $count + 1 when odd), from the
  ;; xoshiro128** state words at $state (read, then written back). In two passes, the stream and
  ;; the values as one loop of `Rng.normal()` draws them: first the points (u, v), drawn uniform on
  ;; (−1, 1)² until as many have fallen inside the unit circle (not at its centre) as pairs are
  ;; wanted, each written where its pair goes and kept by moving on past it (no branch on the
  ;; rejection, a fifth of the points, which no predictor foresees); then each kept pair scaled by
  ;; √(−2 ln s / s), s = u² + v², the pairs independent of each other (the logarithm, the division
  ;; and the square root of one pair wait on each other; of many, they overlap). A uniform is
  ;; `uniform()`'s (high · 2^26 + low) / 2^53 — times 2^-53 here, the same exact value. With $count
  ;; odd, the last pair's v·factor lies at $out + 8·$count and 1 is returned (the caller's spare),
  ;; else 0. (78,400 normals, HopSkipJump's 100 directions of an MNIST row: JavaScript 2.1 ms, this
  ;; kernel in one pass with a branch a point 1.7 ms, in two passes 0.95 ms.)
  (func (export "fillNormal") (param $out i32) (param $count i32) (param $state i32) (result i32)
    (local $pairs i32) (local $kept i32) (local $at i32) (local $end i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32)
    (local $u f64) (local $v f64) (local $s f64) (local $factor f64)
    (local.set $s0 (i32.load (local.get $state)))
    (local.set $s1 (i32.load offset=4 (local.get $state)))
    (local.set $s2 (i32.load offset=8 (local.get $state)))
    (local.set $s3 (i32.load offset=12 (local.get $state)))
    (local.set $pairs (i32.shr_u (i32.add (local.get $count) (i32.const 1)) (i32.const 1)))
    ;; The points, each kept where s < 1 and s ≠ 0 (s is never NaN).
    (block $drawn
      (loop $draw
        (br_if $drawn (i32.ge_u (local.get $kept) (local.get $pairs)))
          (local.set $w0 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
          (local.set $w1 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
          (local.set $w2 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
          (local.set $w3 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $u (f64.sub (f64.mul (f64.mul (f64.add (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $w0) (i32.const 5))) (f64.const 67108864))
                                   (f64.convert_i32_u (i32.shr_u (local.get $w1) (i32.const 6))))
                          (f64.const 0x1p-53)) (f64.const 2)) (f64.const 1)))
        (local.set $v (f64.sub (f64.mul (f64.mul (f64.add (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $w2) (i32.const 5))) (f64.const 67108864))
                                   (f64.convert_i32_u (i32.shr_u (local.get $w3) (i32.const 6))))
                          (f64.const 0x1p-53)) (f64.const 2)) (f64.const 1)))
        (local.set $s (f64.add (f64.mul (local.get $u) (local.get $u)) (f64.mul (local.get $v) (local.get $v))))
        (local.set $at (i32.add (local.get $out) (i32.shl (local.get $kept) (i32.const 4))))
        (f64.store (local.get $at) (local.get $u))
        (f64.store offset=8 (local.get $at) (local.get $v))
        (local.set $kept (i32.add (local.get $kept)
          (i32.and (f64.lt (local.get $s) (f64.const 1)) (f64.ne (local.get $s) (f64.const 0)))))
        (br $draw)))
    (i32.store (local.get $state) (local.get $s0))
    (i32.store offset=4 (local.get $state) (local.get $s1))
    (i32.store offset=8 (local.get $state) (local.get $s2))
    (i32.store offset=12 (local.get $state) (local.get $s3))
    ;; Each pair scaled in place.
    (local.set $at (local.get $out))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 4))))
    (block $scaled
      (loop $scale
        (br_if $scaled (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $u (f64.load (local.get $at)))
        (local.set $v (f64.load offset=8 (local.get $at)))
        (local.set $s (f64.add (f64.mul (local.get $u) (local.get $u)) (f64.mul (local.get $v) (local.get $v))))
        (local.set $factor (f64.sqrt (f64.div (f64.mul (f64.const -2) (call $log (local.get $s))) (local.get $s))))
        (f64.store (local.get $at) (f64.mul (local.get $u) (local.get $factor)))
        (f64.store offset=8 (local.get $at) (f64.mul (local.get $v) (local.get $factor)))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $scale)))
    ;; An odd count: the last pair's second value lies at $out + 8·$count.
    (i32.and (local.get $count) (i32.const 1)))

  ;; $count uniforms on [low, low + span) at $out — float32s with $single = 1 (each float64 value
  ;; rounded as a Float32Array stores it), else float64s — from the xoshiro128** state words at
  ;; $state (read, then written back): `Rng.fillBetween`'s values and stream bit for bit, each
  ;; uniform `uniform()`'s (high · 2^26 + low) · 2^-53 (its division by 2^53, the same exact value),
  ;; then low + span · u, a multiply then an add. A network's initial weights: JavaScript's loop
  ;; ran unoptimised for the first few thousand draws of a process (27,000 draws 2.8 ms on a first
  ;; call against 0.14 warm; 203,000 4.5 against 1.0); compiled as it is imported, this runs at
  ;; full speed from its first call.
  (func (export "fillBetween") (param $out i32) (param $count i32) (param $state i32) (param $low f64) (param $span f64) (param $single i32)
    (local $at i32) (local $end i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $s3 i32) (local $t i32)
    (local $w0 i32) (local $w1 i32) (local $value f64)
    (local.set $s0 (i32.load (local.get $state)))
    (local.set $s1 (i32.load offset=4 (local.get $state)))
    (local.set $s2 (i32.load offset=8 (local.get $state)))
    (local.set $s3 (i32.load offset=12 (local.get $state)))
    (local.set $at (local.get $out))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (select (i32.const 2) (i32.const 3) (local.get $single)))))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $at) (local.get $end)))
          (local.set $w0 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
          (local.set $w1 (i32.mul (i32.rotl (i32.mul (local.get $s1) (i32.const 5)) (i32.const 7)) (i32.const 9)))
          (local.set $t (i32.shl (local.get $s1) (i32.const 9)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $s0)))
          (local.set $s3 (i32.xor (local.get $s3) (local.get $s1)))
          (local.set $s1 (i32.xor (local.get $s1) (local.get $s2)))
          (local.set $s0 (i32.xor (local.get $s0) (local.get $s3)))
          (local.set $s2 (i32.xor (local.get $s2) (local.get $t)))
          (local.set $s3 (i32.rotl (local.get $s3) (i32.const 11)))
        (local.set $value (f64.add (local.get $low) (f64.mul (local.get $span)
          (f64.mul (f64.add (f64.mul (f64.convert_i32_u (i32.shr_u (local.get $w0) (i32.const 5))) (f64.const 67108864))
                            (f64.convert_i32_u (i32.shr_u (local.get $w1) (i32.const 6))))
                   (f64.const 0x1p-53)))))
        (if (local.get $single)
          (then
            (f32.store (local.get $at) (f32.demote_f64 (local.get $value)))
            (local.set $at (i32.add (local.get $at) (i32.const 4))))
          (else
            (f64.store (local.get $at) (local.get $value))
            (local.set $at (i32.add (local.get $at) (i32.const 8)))))
        (br $fill)))
    (i32.store (local.get $state) (local.get $s0))
    (i32.store offset=4 (local.get $state) (local.get $s1))
    (i32.store offset=8 (local.get $state) (local.get $s2))
    (i32.store offset=12 (local.get $state) (local.get $s3)))
)
