;;! id = "output.at-default-cap"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "a valid result padded with whitespace to exactly 65536 bytes"
;;! [expect]
;;! output = { summary = "at the cap" }
;; JSON allows whitespace after the value, so the padding changes nothing but the size: an output of
;; exactly the cap must be accepted.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; A valid result, padded with JSON whitespace (spaces after the object) to 65536 bytes.
  (data (i32.const 0) "{\"summary\":\"at the cap\"}")
  (func (export "yoi_tool_call")
    (memory.fill (i32.const 24) (i32.const 32) (i32.const 65512))
    ;; Exactly the default cap of 65536 bytes.
    (drop (call $output_write (i32.const 0) (i32.const 65536)))))
