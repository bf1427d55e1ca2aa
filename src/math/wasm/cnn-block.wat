;; One block of a CNN's forward pass (models/neural/cnn.ts) over a batch of float64 images: a
;; valid convolution (stride 1), relu, then 2 × 2 max-pooling (the
;; last row and column of an odd size left out). Images are height × width × channels, row-major,
;; channels last; the kernel is k × k × channels × filters, filters last; a pooled image is
;; (height − k + 1) / 2 × (width − k + 1) / 2 × filters, floored.
;;
;; The same arithmetic as the JavaScript loop it replaces, operation for operation: each output
;; starts at its bias and adds value · weight for (dy, dx, channel) in that order, a multiply then
;; an add, each rounded (no fused multiply-add), skipping inputs equal to zero (so a −0 input adds
;; nothing either); relu is x < 0 ? +0 : x; a pooled value is the first of its window's values
;; greater than those before it (window order row by row, starting from −∞). The lanes of an
;; f64x2 are two filters, each summed in its own order: the same bits, tested against the loop.
;; Eight filters at a time keep their sums in four registers (a 200-row MNIST pass of the 8-16 CNN:
;; 10–15.5 ms, against 17.5 with every sum added in memory two filters at a time, and 80–85 ms for
;; the JavaScript loop); the filters past the last eight go two at a time through memory, an odd
;; last one alone. Byte addresses throughout.
;;
;; Build: npx tsx tools/build-wasm.ts (writes cnn-block.wasm.ts beside this file).
(module
  (memory (export "memory") 1)

  ;; images: count × height × width × channels f64; weights: k × k × channels × filters f64;
  ;; biases: filters f64; conv: scratch of (height − k + 1) × (width − k + 1) × filters f64;
  ;; pooled: count × pooled height × pooled width × filters f64, written.
  (func (export "block")
    (param $images i32) (param $count i32) (param $height i32) (param $width i32) (param $channels i32)
    (param $weights i32) (param $biases i32) (param $k i32) (param $filters i32)
    (param $conv i32) (param $pooled i32)
    (local $n i32) (local $convHeight i32) (local $convWidth i32) (local $poolHeight i32) (local $poolWidth i32)
    (local $image i32) (local $target i32) (local $pairs i32) (local $rowBytes i32) (local $placeBytes i32)
    (local $y i32) (local $x i32) (local $dy i32) (local $j i32) (local $f i32) (local $span i32)
    (local $out i32) (local $row i32) (local $weightRow i32) (local $at i32) (local $source i32) (local $place i32)
    (local $value f64) (local $splat v128) (local $zero v128) (local $a v128) (local $b v128)
    (local $s f64) (local $t f64) (local $eights i32) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $weightAt i32)
    (local.set $convHeight (i32.add (i32.sub (local.get $height) (local.get $k)) (i32.const 1)))
    (local.set $convWidth (i32.add (i32.sub (local.get $width) (local.get $k)) (i32.const 1)))
    (local.set $poolHeight (i32.shr_u (local.get $convHeight) (i32.const 1)))
    (local.set $poolWidth (i32.shr_u (local.get $convWidth) (i32.const 1)))
    (local.set $pairs (i32.and (local.get $filters) (i32.const -2)))
    (local.set $eights (i32.and (local.get $filters) (i32.const -8)))
    (local.set $placeBytes (i32.shl (local.get $filters) (i32.const 3)))
    (local.set $rowBytes (i32.shl (i32.mul (local.get $width) (local.get $channels)) (i32.const 3)))
    ;; one kernel row's inputs: k places × channels
    (local.set $span (i32.mul (local.get $k) (local.get $channels)))
    (local.set $n (i32.const 0))
    (block $images_done
      (loop $images_loop
        (br_if $images_done (i32.ge_u (local.get $n) (local.get $count)))
        (local.set $image (i32.add (local.get $images)
          (i32.mul (local.get $n) (i32.mul (i32.mul (local.get $height) (local.get $width)) (i32.shl (local.get $channels) (i32.const 3))))))
        (local.set $target (i32.add (local.get $pooled)
          (i32.mul (local.get $n) (i32.mul (i32.mul (local.get $poolHeight) (local.get $poolWidth)) (local.get $placeBytes)))))
        ;; the convolution and relu, place by place
        (local.set $y (i32.const 0))
        (block $conv_rows_done
          (loop $conv_rows
            (br_if $conv_rows_done (i32.ge_u (local.get $y) (local.get $convHeight)))
            (local.set $x (i32.const 0))
            (block $conv_places_done
              (loop $conv_places
                (br_if $conv_places_done (i32.ge_u (local.get $x) (local.get $convWidth)))
                (local.set $out (i32.add (local.get $conv)
                  (i32.mul (i32.add (i32.mul (local.get $y) (local.get $convWidth)) (local.get $x)) (local.get $placeBytes))))
                ;; eight filters at a time, their sums in four registers: the bias, the
                ;; products (dy, dx, channel) in order, relu (x < 0 ? +0 : x), stored
                (local.set $f (i32.const 0))
                (block $eights_done
                  (loop $eights_loop
                    (br_if $eights_done (i32.ge_u (local.get $f) (local.get $eights)))
                    (local.set $at (i32.add (local.get $biases) (i32.shl (local.get $f) (i32.const 3))))
                    (local.set $a (v128.load (local.get $at)))
                    (local.set $a1 (v128.load offset=16 (local.get $at)))
                    (local.set $a2 (v128.load offset=32 (local.get $at)))
                    (local.set $a3 (v128.load offset=48 (local.get $at)))
                    (local.set $dy (i32.const 0))
                    (block $dy8_done
                      (loop $dy8_loop
                        (br_if $dy8_done (i32.ge_u (local.get $dy) (local.get $k)))
                        (local.set $row (i32.add (local.get $image)
                          (i32.add (i32.mul (i32.add (local.get $y) (local.get $dy)) (local.get $rowBytes))
                            (i32.shl (i32.mul (local.get $x) (local.get $channels)) (i32.const 3)))))
                        (local.set $weightAt (i32.add (local.get $weights)
                          (i32.add (i32.mul (i32.mul (local.get $dy) (local.get $span)) (local.get $placeBytes)) (i32.shl (local.get $f) (i32.const 3)))))
                        (local.set $j (i32.const 0))
                        (block $j8_done
                          (loop $j8_loop
                            (br_if $j8_done (i32.ge_u (local.get $j) (local.get $span)))
                            (local.set $value (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
                            (if (f64.ne (local.get $value) (f64.const 0))
                              (then
                                (local.set $splat (f64x2.splat (local.get $value)))
                                (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $splat) (v128.load (local.get $weightAt)))))
                                (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $splat) (v128.load offset=16 (local.get $weightAt)))))
                                (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $splat) (v128.load offset=32 (local.get $weightAt)))))
                                (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $splat) (v128.load offset=48 (local.get $weightAt)))))))
                            (local.set $weightAt (i32.add (local.get $weightAt) (local.get $placeBytes)))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (br $j8_loop)))
                        (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
                        (br $dy8_loop)))
                    (local.set $at (i32.add (local.get $out) (i32.shl (local.get $f) (i32.const 3))))
                    (v128.store (local.get $at) (v128.bitselect (local.get $zero) (local.get $a) (f64x2.lt (local.get $a) (local.get $zero))))
                    (v128.store offset=16 (local.get $at) (v128.bitselect (local.get $zero) (local.get $a1) (f64x2.lt (local.get $a1) (local.get $zero))))
                    (v128.store offset=32 (local.get $at) (v128.bitselect (local.get $zero) (local.get $a2) (f64x2.lt (local.get $a2) (local.get $zero))))
                    (v128.store offset=48 (local.get $at) (v128.bitselect (local.get $zero) (local.get $a3) (f64x2.lt (local.get $a3) (local.get $zero))))
                    (local.set $f (i32.add (local.get $f) (i32.const 8)))
                    (br $eights_loop)))
                ;; the filters after the last eight (none when a multiple of eight), in memory
                (if (i32.lt_u (local.get $eights) (local.get $filters)) (then
                ;; the biases
                (local.set $f (local.get $eights))
                (block $bias_done
                  (loop $bias_loop
                    (br_if $bias_done (i32.ge_u (local.get $f) (local.get $pairs)))
                    (v128.store (i32.add (local.get $out) (i32.shl (local.get $f) (i32.const 3)))
                      (v128.load (i32.add (local.get $biases) (i32.shl (local.get $f) (i32.const 3)))))
                    (local.set $f (i32.add (local.get $f) (i32.const 2)))
                    (br $bias_loop)))
                (if (i32.lt_u (local.get $pairs) (local.get $filters))
                  (then (f64.store (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3)))
                    (f64.load (i32.add (local.get $biases) (i32.shl (local.get $pairs) (i32.const 3)))))))
                ;; the products, (dy, dx, channel) in order
                (local.set $dy (i32.const 0))
                (block $dy_done
                  (loop $dy_loop
                    (br_if $dy_done (i32.ge_u (local.get $dy) (local.get $k)))
                    (local.set $row (i32.add (local.get $image)
                      (i32.add (i32.mul (i32.add (local.get $y) (local.get $dy)) (local.get $rowBytes))
                        (i32.shl (i32.mul (local.get $x) (local.get $channels)) (i32.const 3)))))
                    (local.set $weightRow (i32.add (local.get $weights)
                      (i32.mul (i32.mul (local.get $dy) (local.get $span)) (local.get $placeBytes))))
                    (local.set $j (i32.const 0))
                    (block $j_done
                      (loop $j_loop
                        (br_if $j_done (i32.ge_u (local.get $j) (local.get $span)))
                        (local.set $value (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
                        (if (f64.ne (local.get $value) (f64.const 0))
                          (then
                            (local.set $splat (f64x2.splat (local.get $value)))
                            (local.set $at (i32.add (local.get $weightRow) (i32.mul (local.get $j) (local.get $placeBytes))))
                            (local.set $f (local.get $eights))
                            (block $mac_done
                              (loop $mac_loop
                                (br_if $mac_done (i32.ge_u (local.get $f) (local.get $pairs)))
                                (local.set $place (i32.add (local.get $out) (i32.shl (local.get $f) (i32.const 3))))
                                (v128.store (local.get $place)
                                  (f64x2.add (v128.load (local.get $place))
                                    (f64x2.mul (local.get $splat) (v128.load (i32.add (local.get $at) (i32.shl (local.get $f) (i32.const 3)))))))
                                (local.set $f (i32.add (local.get $f) (i32.const 2)))
                                (br $mac_loop)))
                            (if (i32.lt_u (local.get $pairs) (local.get $filters))
                              (then
                                (local.set $place (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3))))
                                (f64.store (local.get $place)
                                  (f64.add (f64.load (local.get $place))
                                    (f64.mul (local.get $value) (f64.load (i32.add (local.get $at) (i32.shl (local.get $pairs) (i32.const 3)))))))))))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br $j_loop)))
                    (local.set $dy (i32.add (local.get $dy) (i32.const 1)))
                    (br $dy_loop)))
                ;; relu: x < 0 ? +0 : x
                (local.set $f (local.get $eights))
                (block $relu_done
                  (loop $relu_loop
                    (br_if $relu_done (i32.ge_u (local.get $f) (local.get $pairs)))
                    (local.set $place (i32.add (local.get $out) (i32.shl (local.get $f) (i32.const 3))))
                    (local.set $a (v128.load (local.get $place)))
                    (v128.store (local.get $place) (v128.bitselect (local.get $zero) (local.get $a) (f64x2.lt (local.get $a) (local.get $zero))))
                    (local.set $f (i32.add (local.get $f) (i32.const 2)))
                    (br $relu_loop)))
                (if (i32.lt_u (local.get $pairs) (local.get $filters))
                  (then
                    (local.set $place (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3))))
                    (local.set $s (f64.load (local.get $place)))
                    (f64.store (local.get $place) (select (f64.const 0) (local.get $s) (f64.lt (local.get $s) (f64.const 0))))))))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $conv_places)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $conv_rows)))
        ;; the pooled image: −∞, then each window's values in order, a larger one taken
        (local.set $j (i32.const 0))
        (local.set $at (i32.mul (i32.mul (local.get $poolHeight) (local.get $poolWidth)) (local.get $filters)))
        (block $fill_done
          (loop $fill_loop
            (br_if $fill_done (i32.ge_u (local.get $j) (local.get $at)))
            (f64.store (i32.add (local.get $target) (i32.shl (local.get $j) (i32.const 3))) (f64.const -inf))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $fill_loop)))
        (local.set $y (i32.const 0))
        (block $pool_rows_done
          (loop $pool_rows
            (br_if $pool_rows_done (i32.ge_u (local.get $y) (i32.shl (local.get $poolHeight) (i32.const 1))))
            (local.set $x (i32.const 0))
            (block $pool_places_done
              (loop $pool_places
                (br_if $pool_places_done (i32.ge_u (local.get $x) (i32.shl (local.get $poolWidth) (i32.const 1))))
                (local.set $out (i32.add (local.get $target)
                  (i32.mul (i32.add (i32.mul (i32.shr_u (local.get $y) (i32.const 1)) (local.get $poolWidth)) (i32.shr_u (local.get $x) (i32.const 1))) (local.get $placeBytes))))
                (local.set $source (i32.add (local.get $conv)
                  (i32.mul (i32.add (i32.mul (local.get $y) (local.get $convWidth)) (local.get $x)) (local.get $placeBytes))))
                (local.set $f (i32.const 0))
                (block $max_done
                  (loop $max_loop
                    (br_if $max_done (i32.ge_u (local.get $f) (local.get $pairs)))
                    (local.set $a (v128.load (i32.add (local.get $source) (i32.shl (local.get $f) (i32.const 3)))))
                    (local.set $place (i32.add (local.get $out) (i32.shl (local.get $f) (i32.const 3))))
                    (local.set $b (v128.load (local.get $place)))
                    (v128.store (local.get $place) (v128.bitselect (local.get $a) (local.get $b) (f64x2.gt (local.get $a) (local.get $b))))
                    (local.set $f (i32.add (local.get $f) (i32.const 2)))
                    (br $max_loop)))
                (if (i32.lt_u (local.get $pairs) (local.get $filters))
                  (then
                    (local.set $s (f64.load (i32.add (local.get $source) (i32.shl (local.get $pairs) (i32.const 3)))))
                    (local.set $place (i32.add (local.get $out) (i32.shl (local.get $pairs) (i32.const 3))))
                    (local.set $t (f64.load (local.get $place)))
                    (f64.store (local.get $place) (select (local.get $s) (local.get $t) (f64.gt (local.get $s) (local.get $t))))))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $pool_places)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $pool_rows)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $images_loop)))))
