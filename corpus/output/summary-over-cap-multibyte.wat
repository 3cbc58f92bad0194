;;! id = "output.summary-over-cap-multibyte"
;;! guarantee = "OUT-06"
;;! since = "0.1.0"
;;! summary = "summary is 513 characters but 1025 UTF-8 bytes"
;;! separates_up_to = { summary_bytes = 1024 }
;;! separates_from = { summary_bytes = 513 }
;;! [expect]
;;! code = "output_schema_mismatch"
;;! min_host_calls = { output_write = 1 }
;; The cap counts bytes, not characters: a runtime that counts characters accepts it.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "{\"summary\":\"")
  (data (i32.const 0x120) "\"}")

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
    (local $i i32)
    (call $put (i32.const 0x100) (i32.const 12))
    ;; 512 times "é" (C3 A9), then "a": 1025 bytes in 513 characters.
    (loop $two_bytes
      (i32.store16 (global.get $w) (i32.const 0xa9c3))
      (global.set $w (i32.add (global.get $w) (i32.const 2)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $two_bytes (i32.lt_u (local.get $i) (i32.const 512))))
    (call $put_byte (i32.const 97))
    (call $put (i32.const 0x120) (i32.const 2))
    (drop (call $send))))
