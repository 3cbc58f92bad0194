;;! id = "output.over-default-cap"
;;! guarantee = "OUT-01"
;;! since = "0.1.0"
;;! summary = "a valid result padded with whitespace to 65537 bytes"
;;! separates_up_to = { output_bytes = 65536 }
;;! separates_from = { output_bytes = 65536 }
;;! [expect]
;;! code = "output_too_large"
;;! min_host_call_failures = { output_write = 1 }
;; The same valid result one byte over the default cap: the size alone makes the write fail with
;; output_too_large.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  ;; A valid result, padded with JSON whitespace (spaces after the object) to 65537 bytes.
  (data (i32.const 0) "{\"summary\":\"one byte over\"}")
  (func (export "yoi_tool_call")
    (memory.fill (i32.const 27) (i32.const 32) (i32.const 65510))
    ;; One byte over the default cap.
    (drop (call $output_write (i32.const 0) (i32.const 65537)))))
