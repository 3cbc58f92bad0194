;;! id = "input.echo-exact"
;;! guarantee = "IN-06"
;;! since = "0.1.0"
;;! summary = "echoes the raw input into content: whitespace, key order, escapes and number forms survive"
;;! input = "{\n\t\"b\": 1,  \"a\": \"tab\\there \\u00e9 é 🦀\",\n\t\"n\": [1.50, -0, 1e2]\n}"
;;! [expect]
;;! output = { summary = "echo", content = "{\n\t\"b\": 1,  \"a\": \"tab\\there \\u00e9 é 🦀\",\n\t\"n\": [1.50, -0, 1e2]\n}" }
;; The input has newlines and tabs between tokens, keys out of order, \t and \u00e9 escapes, raw
;; UTF-8, and numbers (1.50, -0, 1e2) that any re-serialisation would rewrite. The guest copies the
;; input bytes into a JSON string (escaping '"', '\' and control characters), so the decoded content
;; must equal the input text exactly.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "input_read"   (func $input_read   (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0x100) "{\"summary\":\"echo\",\"content\":\"")
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

  ;; --- JSON string escaping: appends $len bytes from $src as the inside of a JSON string.
  (data (i32.const 32512) "0123456789abcdef")
  (func $put_escaped (param $src i32) (param $len i32)
    (local $i i32) (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $c (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
          (then (call $put_byte (i32.const 92)) (call $put_byte (local.get $c)))
          (else
            (if (i32.lt_u (local.get $c) (i32.const 32))
              (then
                ;; \u00 then two hex digits
                (call $put_byte (i32.const 92)) (call $put_byte (i32.const 117))
                (call $put_byte (i32.const 48)) (call $put_byte (i32.const 48))
                (call $put_byte (i32.load8_u (i32.add (i32.const 32512) (i32.shr_u (local.get $c) (i32.const 4)))))
                (call $put_byte (i32.load8_u (i32.add (i32.const 32512) (i32.and (local.get $c) (i32.const 15))))))
              (else (call $put_byte (local.get $c))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
  (func (export "yoi_tool_call")
    (local $len i32)
    (local.set $len (call $input_len))
    ;; The input lands at 0x1000 (it is far smaller than the 28 KiB before the output buffer).
    (drop (call $input_read (i32.const 0x1000) (local.get $len)))
    (call $put (i32.const 0x100) (i32.const 29))
    (call $put_escaped (i32.const 0x1000) (local.get $len))
    (call $put (i32.const 0x120) (i32.const 2))
    (drop (call $send))))
