;;! id = "output.write-after-failed-write"
;;! guarantee = "OUT-02"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: a 65-byte write fails, then a valid 30-byte write succeeds"
;;! separates_from = { output_bytes = 30 }
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! code = "output_too_large"
;;! min_host_calls = { output_write = 2 }
;;! min_host_call_failures = { output_write = 1 }
;; The guest ignores the -1 and tries again with a small result. The first failure already decided
;; the call: output_too_large, not the later result.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"too big\"}")
  (data (i32.const 128) "{\"summary\":\"valid afterwards\"}")
  (func (export "yoi_tool_call")
    ;; Pad the first result with spaces to 65 bytes: valid JSON, one byte over the cap.
    (memory.fill (i32.const 21) (i32.const 32) (i32.const 44))
    (drop (call $output_write (i32.const 0) (i32.const 65)))
    (drop (call $output_write (i32.const 128) (i32.const 30)))))
