;;! id = "abi.input-read-probes"
;;! guarantee = "ABI-01"
;;! since = "0.1.0"
;;! summary = "input_read with short, long and negative lengths, negative ptr, past the end, wrapping, at the edge"
;;! input_size = 32
;;! [expect]
;;! output = { summary = "short - long - neg-len - neg-ptr - past-end - wrap - edge +" }
;;! min_host_call_failures = { input_read = 6 }
;; The input is 32 bytes, so the wrapping probe is exactly ptr = 0xfffffff0, len = 0x20. Before each
;; bad probe the guest fills the regions a buggy copy could touch with 0xAA and checks afterwards
;; that the import returned -1 and the bytes are still there. The last probe reads to the very last
;; byte of memory and must succeed with the right bytes. The summary records every probe, and the
;; call itself must succeed.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "input_read"   (func $input_read   (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The summary template; each '?' becomes '-' (refused cleanly) or '+' (copied correctly).
  (data (i32.const 0x2000) "{\"summary\":\"short ? long ? neg-len ? neg-ptr ? past-end ? wrap ? edge ?\"}")

  ;; --- sentinel checks. Three regions can be hit by a buggy copy: the normal target [0x1000,
  ;; 0x1040), the start of memory [0, 0x20) (where a wrapped range lands) and the last 64 bytes
  ;; [0xffc0, 0x10000). $arm fills them with 0xAA; $untouched says whether they still hold it.
  (func $arm
    (memory.fill (i32.const 0x1000) (i32.const 0xAA) (i32.const 0x40))
    (memory.fill (i32.const 0) (i32.const 0xAA) (i32.const 0x20))
    (memory.fill (i32.const 0xffc0) (i32.const 0xAA) (i32.const 0x40)))
  (func $all_aa (param $p i32) (param $n i32) (result i32)
    (loop $next
      (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0xAA)) (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))
    (unreachable))
  (func $untouched (result i32)
    (i32.and (call $all_aa (i32.const 0x1000) (i32.const 0x40))
      (i32.and (call $all_aa (i32.const 0) (i32.const 0x20))
               (call $all_aa (i32.const 0xffc0) (i32.const 0x40)))))
  ;; Marks a refused probe in the summary: '-' when it returned -1 and wrote nothing, else '?'.
  (func $refused (param $at i32) (param $r i32)
    (i32.store8 (local.get $at)
      (select (i32.const 45) (i32.const 63)
        (i32.and (i32.eq (local.get $r) (i32.const -1)) (call $untouched)))))
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    (loop $next
      (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b)))
        (then (return (i32.const 0))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next))
    (unreachable))
  (func (export "yoi_tool_call")
    (local $len i32) (local $edge i32) (local $r i32)
    (local.set $len (call $input_len))
    ;; A reference copy at 0x3000 with the exact length, for the edge probe to compare with.
    (drop (call $input_read (i32.const 0x3000) (local.get $len)))
    ;; len one too small, one too large, negative: -1 and nothing written.
    (call $arm)
    (call $refused (i32.const 8210) (call $input_read (i32.const 0x1000) (i32.sub (local.get $len) (i32.const 1))))
    (call $arm)
    (call $refused (i32.const 8217) (call $input_read (i32.const 0x1000) (i32.add (local.get $len) (i32.const 1))))
    (call $arm)
    (call $refused (i32.const 8227) (call $input_read (i32.const 0x1000) (i32.const -1)))
    ;; ptr -1 is 0xffffffff unsigned: out of bounds (and wraps if added in 32 bits).
    (call $arm)
    (call $refused (i32.const 8237) (call $input_read (i32.const -1) (local.get $len)))
    ;; One byte past the end: [0x10000 - len + 1, 0x10001).
    (call $arm)
    (call $refused (i32.const 8248)
      (call $input_read (i32.sub (i32.const 0x10001) (local.get $len)) (local.get $len)))
    ;; Wrapping: ptr = 2^32 - len + 16, so ptr + len is 16 modulo 2^32 (0xfffffff0 for len 32).
    (call $arm)
    (call $refused (i32.const 8255)
      (call $input_read (i32.sub (i32.const 16) (local.get $len)) (local.get $len)))
    ;; The exact edge: [0x10000 - len, 0x10000) is inside memory and must be copied.
    (local.set $edge (i32.sub (i32.const 0x10000) (local.get $len)))
    (local.set $r (call $input_read (local.get $edge) (local.get $len)))
    (i32.store8 (i32.const 8262)
      (select (i32.const 43) (i32.const 63)
        (i32.and (i32.eq (local.get $r) (local.get $len))
          (call $same (local.get $edge) (i32.const 0x3000) (local.get $len)))))
    ;; The failed reads did not fail the call: the result goes out normally.
    (drop (call $output_write (i32.const 8192) (i32.const 73)))))
