;;! id = "input.at-cap"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "an input of exactly 65536 bytes reaches the guest whole"
;;! input_size = 65536
;;! [expect]
;;! output = { summary = "received 65536 bytes intact" }
;; The input is {"pad":"aaa…"} of exactly the default cap. The guest reads it into the second page
;; of memory (so the copy ends exactly at the end of memory) and reports how many bytes input_read
;; delivered and whether the first and last bytes are the braces. A runtime whose cap check is off
;; by one refuses it; one that truncates reports another count.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "input_read"   (func $input_read   (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  ;; Two pages: the input goes to [65536, 131072), the output is built in the first page.
  (memory (export "memory") 2)
  (data (i32.const 0x100) "{\"summary\":\"received ")
  (data (i32.const 0x120) " bytes intact\"}")
  (data (i32.const 0x140) " bytes damaged\"}")

  ;; --- output builder: $put appends bytes, $put_byte one byte, $put_num a decimal number;
  ;; $put_repeat a run of one byte; $send writes everything appended so far with one output_write.
  (global $w (mut i32) (i32.const 32768))
  (func $put (param $ptr i32) (param $len i32)
    (memory.copy (global.get $w) (local.get $ptr) (local.get $len))
    (global.set $w (i32.add (global.get $w) (local.get $len))))
  (func $put_byte (param $c i32)
    (i32.store8 (global.get $w) (local.get $c))
    (global.set $w (i32.add (global.get $w) (i32.const 1))))
  (func $put_num (param $n i32)
    (local $digits i32) (local $t i32) (local $i i32)
    (local.set $t (local.get $n))
    (loop $count
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count (local.get $t)))
    (local.set $i (local.get $digits))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (global.get $w) (local.get $i))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $i)))
    (global.set $w (i32.add (global.get $w) (local.get $digits))))
  (func $put_repeat (param $c i32) (param $n i32)
    (memory.fill (global.get $w) (local.get $c) (local.get $n))
    (global.set $w (i32.add (global.get $w) (local.get $n))))
  (func $send (result i32)
    (call $output_write (i32.const 32768) (i32.sub (global.get $w) (i32.const 32768))))
  (func (export "yoi_tool_call")
    (local $len i32) (local $got i32)
    (local.set $len (call $input_len))
    (local.set $got (call $input_read (i32.const 0x10000) (local.get $len)))
    (call $put (i32.const 0x100) (i32.const 21))
    (call $put_num (local.get $got))
    (if (i32.and
          (i32.eq (i32.load8_u (i32.const 0x10000)) (i32.const 123))     ;; '{'
          (i32.eq (i32.load8_u (i32.const 0x1ffff)) (i32.const 125)))    ;; '}'
      (then (call $put (i32.const 0x120) (i32.const 15)))
      (else (call $put (i32.const 0x140) (i32.const 16))))
    (drop (call $send))))
