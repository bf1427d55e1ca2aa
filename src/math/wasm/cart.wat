;; The row loops of growing a CART tree (models/tree/cart.ts, Breiman et al. 1984): counting a
;; node's rows by class per two-valued column from their set entries, by rank in a histogram or in
;; presorted order, marking each row's side of a split, and moving a segment's rows to their side
;; stably. In JavaScript the root node's loops (every training row) ran uncompiled in a process's
;; first fit, about 40% of Adult's first fit; here they are compiled before they first run. Counts
;; are whole numbers in f64 (exact), so the tree is the same node for node. Byte addresses
;; throughout; `order`, `sorted`, `ranks`, `setStart`, `setSlots`: u32; `labels`: i32;
;; `goesRight` and the level table: u8; counts: f64. A missing rank is 0xffffffff.
;;
;; Build: npx tsx tools/build-wasm.ts (writes cart.wasm.ts beside this file).
(module
  (import "env" "memory" (memory 1))
  ;; Math.log2 (the entropy criterion's), so that sums match those the JavaScript loop made.
  (import "env" "log2" (func $log2 (param f64) (result f64)))

  ;; What a function returns beside its result: the rows present (grouping), the rows right (sides).
  (global $second (export "second") (mut i32) (i32.const 0))
  ;; The gain of the split bestPrefix chose.
  (global $bestGain (export "bestGain") (mut f64) (f64.const 0))

  ;; counts[0…cells) = 0.
  (func $zero (param $counts i32) (param $cells i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $counts) (i32.shl (local.get $cells) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $counts) (local.get $end)))
        (f64.store (local.get $counts) (f64.const 0))
        (local.set $counts (i32.add (local.get $counts) (i32.const 8)))
        (br $next))))

  ;; counts[0…cells) = 0, exported.
  (func (export "zero") (param $counts i32) (param $cells i32)
    (call $zero (local.get $counts) (local.get $cells)))

  ;; counts[c] = the rows order[start…end) of class c, c < k.
  (func (export "classCounts")
    (param $order i32) (param $start i32) (param $end i32) (param $labels i32) (param $counts i32) (param $k i32)
    (local $at i32)
    (call $zero (local.get $counts) (local.get $k))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $at (i32.add (local.get $counts) (i32.shl
          (i32.load (i32.add (local.get $labels) (i32.shl
            (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2))))
            (i32.const 2))))
          (i32.const 3))))
        (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.const 1)))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next))))

  ;; ones[slot·k + label] = the rows order[start…end) of class `label` whose set entries
  ;; setSlots[setStart[row]…setStart[row + 1]) hold `slot` (zeroed first: `cells` numbers).
  (func (export "countOnes")
    (param $order i32) (param $start i32) (param $end i32) (param $labels i32)
    (param $setStart i32) (param $setSlots i32) (param $ones i32) (param $k i32) (param $cells i32)
    (local $row i32) (local $label i32) (local $e i32) (local $last i32) (local $at i32)
    (call $zero (local.get $ones) (local.get $cells))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2)))))
        (local.set $label (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $e (i32.load (i32.add (local.get $setStart) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $last (i32.load (i32.add (local.get $setStart) (i32.shl (i32.add (local.get $row) (i32.const 1)) (i32.const 2)))))
        (block $entries_done
          (loop $entry
            (br_if $entries_done (i32.ge_u (local.get $e) (local.get $last)))
            (local.set $at (i32.add (local.get $ones) (i32.shl
              (i32.add
                (i32.mul (i32.load (i32.add (local.get $setSlots) (i32.shl (local.get $e) (i32.const 2)))) (local.get $k))
                (local.get $label))
              (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.const 1)))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $entry)))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next))))

  ;; histogram[rank·k + label] (zeroed first: `cells` numbers) counts the rows order[start…end)
  ;; present in a column of u32 ranks; returns how many were present.
  (func (export "fillHistogram")
    (param $histogram i32) (param $cells i32) (param $k i32) (param $order i32) (param $start i32) (param $end i32)
    (param $ranks i32) (param $labels i32) (result i32)
    (local $row i32) (local $rank i32) (local $present i32) (local $at i32)
    (call $zero (local.get $histogram) (local.get $cells))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2)))))
        (local.set $rank (i32.load (i32.add (local.get $ranks) (i32.shl (local.get $row) (i32.const 2)))))
        (if (i32.ne (local.get $rank) (i32.const -1))
          (then
            (local.set $at (i32.add (local.get $histogram) (i32.shl
              (i32.add (i32.mul (local.get $rank) (local.get $k))
                (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2)))))
              (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.const 1)))
            (local.set $present (i32.add (local.get $present) (i32.const 1)))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next)))
    (local.get $present))

  ;; The non-empty ranks of `histogram` (`distinct` ranks of k counts) into groupRanks (u32) and
  ;; groupCounts (k f64 a group), ascending; returns how many.
  (func (export "histogramToGroups")
    (param $histogram i32) (param $k i32) (param $distinct i32) (param $groupRanks i32) (param $groupCounts i32) (result i32)
    (local $rank i32) (local $c i32) (local $groups i32) (local $total f64) (local $from i32) (local $to i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $rank) (local.get $distinct)))
        (local.set $from (i32.add (local.get $histogram) (i32.shl (i32.mul (local.get $rank) (local.get $k)) (i32.const 3))))
        (local.set $total (f64.const 0))
        (local.set $c (i32.const 0))
        (block $sum_done
          (loop $sum
            (br_if $sum_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $total (f64.add (local.get $total) (f64.load (i32.add (local.get $from) (i32.shl (local.get $c) (i32.const 3))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $sum)))
        (if (f64.ne (local.get $total) (f64.const 0))
          (then
            (i32.store (i32.add (local.get $groupRanks) (i32.shl (local.get $groups) (i32.const 2))) (local.get $rank))
            (local.set $to (i32.add (local.get $groupCounts) (i32.shl (i32.mul (local.get $groups) (local.get $k)) (i32.const 3))))
            (local.set $c (i32.const 0))
            (block $copy_done
              (loop $copy
                (br_if $copy_done (i32.ge_u (local.get $c) (local.get $k)))
                (f64.store (i32.add (local.get $to) (i32.shl (local.get $c) (i32.const 3)))
                  (f64.load (i32.add (local.get $from) (i32.shl (local.get $c) (i32.const 3)))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (br $copy)))
            (local.set $groups (i32.add (local.get $groups) (i32.const 1)))))
        (local.set $rank (i32.add (local.get $rank) (i32.const 1)))
        (br $next)))
    (local.get $groups))

  ;; The rows sorted[start…end) (in rank order, missing last) grouped by rank into groupRanks and
  ;; groupCounts; returns the groups, `second` the rows present.
  (func (export "presortedGroups")
    (param $sorted i32) (param $start i32) (param $end i32) (param $ranks i32) (param $labels i32) (param $k i32)
    (param $groupRanks i32) (param $groupCounts i32) (result i32)
    (local $p i32) (local $row i32) (local $rank i32) (local $current i32) (local $groups i32) (local $counts i32) (local $at i32)
    (local.set $p (local.get $start))
    (local.set $current (i32.const -1))
    (local.set $counts (i32.sub (local.get $groupCounts) (i32.shl (local.get $k) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $sorted) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $rank (i32.load (i32.add (local.get $ranks) (i32.shl (local.get $row) (i32.const 2)))))
        (br_if $done (i32.eq (local.get $rank) (i32.const -1)))
        (if (i32.ne (local.get $rank) (local.get $current))
          (then
            (local.set $current (local.get $rank))
            (i32.store (i32.add (local.get $groupRanks) (i32.shl (local.get $groups) (i32.const 2))) (local.get $rank))
            (local.set $counts (i32.add (local.get $counts) (i32.shl (local.get $k) (i32.const 3))))
            (call $zero (local.get $counts) (local.get $k))
            (local.set $groups (i32.add (local.get $groups) (i32.const 1)))))
        (local.set $at (i32.add (local.get $counts) (i32.shl
          (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2))))
          (i32.const 3))))
        (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (global.set $second (i32.sub (local.get $p) (local.get $start)))
    (local.get $groups))

  ;; goesRight[row] = 1 where a row of order[start…end) holds `slot` among its set entries
  ;; setSlots[setStart[row]…setStart[row + 1]) (ascending), else 0; returns the rows right.
  (func (export "sidesOfSlot")
    (param $order i32) (param $start i32) (param $end i32) (param $setStart i32) (param $setSlots i32) (param $slot i32)
    (param $goesRight i32) (result i32)
    (local $row i32) (local $e i32) (local $last i32) (local $entry i32) (local $right i32) (local $count i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2)))))
        (local.set $e (i32.load (i32.add (local.get $setStart) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $last (i32.load (i32.add (local.get $setStart) (i32.shl (i32.add (local.get $row) (i32.const 1)) (i32.const 2)))))
        (local.set $right (i32.const 0))
        (block $found
          (loop $entry_loop
            (br_if $found (i32.ge_u (local.get $e) (local.get $last)))
            (local.set $entry (i32.load (i32.add (local.get $setSlots) (i32.shl (local.get $e) (i32.const 2)))))
            (br_if $found (i32.gt_u (local.get $entry) (local.get $slot)))
            (if (i32.eq (local.get $entry) (local.get $slot))
              (then
                (local.set $right (i32.const 1))
                (br $found)))
            (local.set $e (i32.add (local.get $e) (i32.const 1)))
            (br $entry_loop)))
        (i32.store8 (i32.add (local.get $goesRight) (local.get $row)) (local.get $right))
        (local.set $count (i32.add (local.get $count) (local.get $right)))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next)))
    (local.get $count))

    ;; goesRight[row] for the rows of order[start…end) in a column of u32 ranks: 2 where missing,
  ;; else 0 (left) where the rank is below `cut` or, with a level table (`table` ≠ 0), where
  ;; table[rank] = 1; 1 otherwise. Returns the rows left, `second` the rows right.
  (func (export "sidesOfRanks")
    (param $order i32) (param $start i32) (param $end i32) (param $ranks i32) (param $cut i32) (param $table i32)
    (param $goesRight i32) (result i32)
    (local $row i32) (local $rank i32) (local $left i32) (local $lefts i32) (local $rights i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2)))))
        (local.set $rank (i32.load (i32.add (local.get $ranks) (i32.shl (local.get $row) (i32.const 2)))))
        (if (i32.eq (local.get $rank) (i32.const -1))
          (then (i32.store8 (i32.add (local.get $goesRight) (local.get $row)) (i32.const 2)))
          (else
            (local.set $left
              (if (result i32) (local.get $table)
                (then (i32.eq (i32.load8_u (i32.add (local.get $table) (local.get $rank))) (i32.const 1)))
                (else (i32.lt_u (local.get $rank) (local.get $cut)))))
            (i32.store8 (i32.add (local.get $goesRight) (local.get $row)) (i32.eqz (local.get $left)))
            (local.set $lefts (i32.add (local.get $lefts) (local.get $left)))
            (local.set $rights (i32.add (local.get $rights) (i32.eqz (local.get $left))))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next)))
    (global.set $second (local.get $rights))
    (local.get $lefts))

  ;; goesRight[row] = side for the rows of order[start…end) marked missing (2).
  (func (export "settleMissing")
    (param $order i32) (param $start i32) (param $end i32) (param $goesRight i32) (param $side i32)
    (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $at (i32.add (local.get $goesRight)
          (i32.load (i32.add (local.get $order) (i32.shl (local.get $start) (i32.const 2))))))
        (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 2))
          (then (i32.store8 (local.get $at) (local.get $side))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next))))

  ;; Moves the rows of rows[start…end) whose goesRight is 0 to the segment's front and the others
  ;; after them, each in their order (the right ones wait in `scratch`).
  (func (export "splitSegment")
    (param $rows i32) (param $start i32) (param $end i32) (param $goesRight i32) (param $scratch i32)
    (local $row i32) (local $write i32) (local $moved i32) (local $m i32)
    (local.set $write (local.get $start))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $start) (local.get $end)))
        (local.set $row (i32.load (i32.add (local.get $rows) (i32.shl (local.get $start) (i32.const 2)))))
        (if (i32.load8_u (i32.add (local.get $goesRight) (local.get $row)))
          (then
            (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $moved) (i32.const 2))) (local.get $row))
            (local.set $moved (i32.add (local.get $moved) (i32.const 1))))
          (else
            (i32.store (i32.add (local.get $rows) (i32.shl (local.get $write) (i32.const 2))) (local.get $row))
            (local.set $write (i32.add (local.get $write) (i32.const 1)))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $next)))
    (block $copied
      (loop $copy
        (br_if $copied (i32.ge_u (local.get $m) (local.get $moved)))
        (i32.store (i32.add (local.get $rows) (i32.shl (i32.add (local.get $write) (local.get $m)) (i32.const 2)))
          (i32.load (i32.add (local.get $scratch) (i32.shl (local.get $m) (i32.const 2)))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $copy))))
;; The impurity of counts[0…k) (f64), which sum to `total`: Gini 1 − Σ p² (Breiman et al. 1984),
  ;; or with `entropy` −Σ p log₂ p (Quinlan); 0 when total is 0. p² is p · p (V8's x ** 2 is x · x).
  (func $impurity (param $counts i32) (param $total f64) (param $k i32) (param $entropy i32) (result f64)
    (local $c i32) (local $p f64) (local $sum f64)
    (if (f64.eq (local.get $total) (f64.const 0)) (then (return (f64.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $k)))
        (local.set $p (f64.div (f64.load (i32.add (local.get $counts) (i32.shl (local.get $c) (i32.const 3)))) (local.get $total)))
        (if (local.get $entropy)
          (then
            (if (f64.gt (local.get $p) (f64.const 0))
              (then (local.set $sum (f64.sub (local.get $sum) (f64.mul (local.get $p) (call $log2 (local.get $p))))))))
          (else (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $p) (local.get $p))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (if (result f64) (local.get $entropy)
      (then (local.get $sum))
      (else (f64.sub (f64.const 1) (local.get $sum)))))

  ;; (leftCount · impurity(left) + rightCount · impurity(right)) / over, right = total − left (written).
  (func $children (param $total i32) (param $left i32) (param $right i32) (param $k i32) (param $leftCount f64)
    (param $rightCount f64) (param $over f64) (param $entropy i32) (result f64)
    (local $c i32) (local $at i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $k)))
        (local.set $at (i32.shl (local.get $c) (i32.const 3)))
        (f64.store (i32.add (local.get $right) (local.get $at))
          (f64.sub (f64.load (i32.add (local.get $total) (local.get $at))) (f64.load (i32.add (local.get $left) (local.get $at)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (f64.div
      (f64.add
        (f64.mul (local.get $leftCount) (call $impurity (local.get $left) (local.get $leftCount) (local.get $k) (local.get $entropy)))
        (f64.mul (local.get $rightCount) (call $impurity (local.get $right) (local.get $rightCount) (local.get $k) (local.get $entropy))))
      (local.get $over)))

  ;; The best split of a node's groups (k counts each at groupCounts) into a prefix and the rest, the
  ;; groups taken in the order `order` (i32 per group; 0: as they are): per prefix with at least
  ;; minLeaf rows a side, gain = (present / size) · (impurity(all) − children) (C4.5's scaling by the
  ;; rows present); the first prefix beating the best so far by 10⁻¹². Returns the prefix's last
  ;; position (−1: none), `bestGain` its gain. scratch: 3k f64 (total, left, right).
  (func (export "bestPrefix")
    (param $counts i32) (param $groups i32) (param $order i32) (param $k i32) (param $present f64) (param $size f64)
    (param $minLeaf f64) (param $scratch i32) (param $entropy i32) (result i32)
    (local $total i32) (local $left i32) (local $right i32) (local $g i32) (local $c i32) (local $at i32)
    (local $position i32) (local $best i32) (local $value f64) (local $leftCount f64) (local $rightCount f64)
    (local $parent f64) (local $gain f64) (local $bestGain f64)
    (local.set $total (local.get $scratch))
    (local.set $left (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $right (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 4))))
    (call $zero (local.get $scratch) (i32.shl (local.get $k) (i32.const 1)))
    (block $sum_done
      (loop $sum
        (br_if $sum_done (i32.ge_u (local.get $g) (local.get $groups)))
        (local.set $c (i32.const 0))
        (block $classes_done
          (loop $classes
            (br_if $classes_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $at (i32.add (local.get $total) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
              (f64.load (i32.add (local.get $counts) (i32.shl (i32.add (i32.mul (local.get $g) (local.get $k)) (local.get $c)) (i32.const 3))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $classes)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $sum)))
    (local.set $parent (call $impurity (local.get $total) (local.get $present) (local.get $k) (local.get $entropy)))
    (local.set $best (i32.const -1))
    (local.set $bestGain (f64.const -inf))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $position) (i32.sub (local.get $groups) (i32.const 1))))
        (local.set $g (if (result i32) (local.get $order)
          (then (i32.load (i32.add (local.get $order) (i32.shl (local.get $position) (i32.const 2)))))
          (else (local.get $position))))
        (local.set $c (i32.const 0))
        (block $add_done
          (loop $add
            (br_if $add_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $value (f64.load (i32.add (local.get $counts) (i32.shl (i32.add (i32.mul (local.get $g) (local.get $k)) (local.get $c)) (i32.const 3)))))
            (local.set $at (i32.add (local.get $left) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $value)))
            (local.set $leftCount (f64.add (local.get $leftCount) (local.get $value)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $add)))
        (local.set $rightCount (f64.sub (local.get $present) (local.get $leftCount)))
        (if (i32.and (f64.ge (local.get $leftCount) (local.get $minLeaf)) (f64.ge (local.get $rightCount) (local.get $minLeaf)))
          (then
            (local.set $gain (f64.mul (f64.div (local.get $present) (local.get $size))
              (f64.sub (local.get $parent)
                (call $children (local.get $total) (local.get $left) (local.get $right) (local.get $k)
                  (local.get $leftCount) (local.get $rightCount) (local.get $present) (local.get $entropy)))))
            (if (f64.gt (local.get $gain) (f64.add (local.get $bestGain) (f64.const 1e-12)))
              (then
                (local.set $bestGain (local.get $gain))
                (local.set $best (local.get $position))))))
        (local.set $position (i32.add (local.get $position) (i32.const 1)))
        (br $next)))
    (global.set $bestGain (local.get $bestGain))
    (local.get $best))

  ;; Per two-valued column (slot), the gain of splitting a node of `size` rows on it (its rows at the
  ;; higher value, per class, in `ones`; the node's class counts in nodeTotal): children's impurity
  ;; below the node's, −∞ where a side keeps fewer than minLeaf rows. Into gains (f64 per slot).
  ;; scratch: 2k f64 (left, right).
  (func (export "binaryGains")
    (param $ones i32) (param $slots i32) (param $k i32) (param $nodeTotal i32) (param $size f64) (param $minLeaf f64)
    (param $scratch i32) (param $gains i32) (param $entropy i32)
    (local $left i32) (local $right i32) (local $slot i32) (local $c i32) (local $at i32) (local $value f64)
    (local $leftCount f64) (local $rightCount f64) (local $parent f64) (local $gain f64)
    (local.set $left (local.get $scratch))
    (local.set $right (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 3))))
    (local.set $parent (call $impurity (local.get $nodeTotal) (local.get $size) (local.get $k) (local.get $entropy)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $slot) (local.get $slots)))
        (local.set $leftCount (f64.const 0))
        (local.set $c (i32.const 0))
        (block $left_done
          (loop $left_loop
            (br_if $left_done (i32.ge_u (local.get $c) (local.get $k)))
            (local.set $at (i32.shl (local.get $c) (i32.const 3)))
            (local.set $value (f64.sub (f64.load (i32.add (local.get $nodeTotal) (local.get $at)))
              (f64.load (i32.add (local.get $ones) (i32.shl (i32.add (i32.mul (local.get $slot) (local.get $k)) (local.get $c)) (i32.const 3))))))
            (f64.store (i32.add (local.get $left) (local.get $at)) (local.get $value))
            (local.set $leftCount (f64.add (local.get $leftCount) (local.get $value)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $left_loop)))
        (local.set $rightCount (f64.sub (local.get $size) (local.get $leftCount)))
        (local.set $gain (f64.const -inf))
        (if (i32.and (f64.ge (local.get $leftCount) (local.get $minLeaf)) (f64.ge (local.get $rightCount) (local.get $minLeaf)))
          (then
            (local.set $gain (f64.mul (f64.div (local.get $size) (local.get $size))
              (f64.sub (local.get $parent)
                (call $children (local.get $nodeTotal) (local.get $left) (local.get $right) (local.get $k)
                  (local.get $leftCount) (local.get $rightCount) (local.get $size) (local.get $entropy)))))))
        (f64.store (i32.add (local.get $gains) (i32.shl (local.get $slot) (i32.const 3))) (local.get $gain))
        (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
        (br $next))))
)
