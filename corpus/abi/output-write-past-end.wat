;;! id = "abi.output-write-past-end"
;;! guarantee = "ABI-02"
;;! since = "0.1.0"
;;! summary = "output_write of a range one byte past the end of memory"
;;! [expect]
;;! code = "abi_violation"
;;! min_host_call_failures = { output_write = 1 }
;; The same write shifted by one: its last byte is outside memory. It returns -1 and fails the call
;; with abi_violation (not a host crash, and not a silently shortened copy).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; A valid result placed so that it ends exactly at the end of memory (0x10000 - 51).
  (data (i32.const 0xffcd) "{\"summary\":\"written from the last bytes of memory\"}")
  (func (export "yoi_tool_call")
    ;; One byte past the end.
    (drop (call $output_write (i32.const 65486) (i32.const 51)))))
