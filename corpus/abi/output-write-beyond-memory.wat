;;! id = "abi.output-write-beyond-memory"
;;! guarantee = "ABI-02"
;;! since = "0.1.0"
;;! summary = "output_write(0x20000, 16) with a one-page memory"
;;! [expect]
;;! code = "abi_violation"
;;! min_host_call_failures = { output_write = 1 }
;; The whole range is past the end of memory.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0x20000) (i32.const 16)))))
