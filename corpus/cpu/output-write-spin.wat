;;! id = "cpu.output-write-spin"
;;! guarantee = "CPU-01"
;;! since = "0.1.0"
;;! summary = "writes a valid 64 KiB output in a loop forever"
;;! endless = true
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;;! min_host_calls = { output_write = 10 }
;; Each write is valid and exactly at the cap (a short result padded with JSON whitespace), so every
;; one succeeds. The runtime keeps only the last write (memory stays bounded) and the deadline ends
;; the call: timeout, not the last output.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "{\"summary\":\"again\"}")
  (func (export "yoi_tool_call")
    ;; Pad the result with spaces up to exactly 65536 bytes.
    (memory.fill (i32.const 19) (i32.const 32) (i32.const 65517))
    (loop $forever
      (drop (call $output_write (i32.const 0) (i32.const 65536)))
      (br $forever))))
