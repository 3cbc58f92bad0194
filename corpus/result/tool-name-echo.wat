;;! id = "result.tool-name-echo"
;;! guarantee = "RES-02"
;;! since = "0.1.0"
;;! summary = "calls a tool whose name is the maximum 64 bytes; the guest echoes it"
;;! tool = "a_tool_name_of_the_maximum_length_sixty-four_bytes_0123456789_AZ"
;;! [package]
;;! tools = ["short", "a_tool_name_of_the_maximum_length_sixty-four_bytes_0123456789_AZ"]
;;! [expect]
;;! output = { summary = "called a_tool_name_of_the_maximum_length_sixty-four_bytes_0123456789_AZ" }
;; The summary is "called " followed by the name the guest read, so it must be the declared name
;; exactly, all 64 bytes.
(module
  (import "yoi:tool" "tool_name_len"  (func $tool_name_len  (result i32)))
  (import "yoi:tool" "tool_name_read" (func $tool_name_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"   (func $output_write   (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "{\"summary\":\"called ")
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
    (local $len i32)
    (local.set $len (call $tool_name_len))
    (drop (call $tool_name_read (i32.const 0x1000) (local.get $len)))
    (call $put (i32.const 0x100) (i32.const 19))
    (call $put (i32.const 0x1000) (local.get $len))
    (call $put (i32.const 0x120) (i32.const 2))
    (drop (call $send))))
