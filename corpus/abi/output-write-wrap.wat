;;! id = "abi.output-write-wrap"
;;! guarantee = "ABI-02"
;;! since = "0.1.0"
;;! summary = "output_write(0xfffffff0, 0x20): the end wraps to 0x10"
;;! [expect]
;;! code = "abi_violation"
;;! min_host_call_failures = { output_write = 1 }
;; ptr + len computed in 32 bits is 0x10, inside memory, and the 16 bytes at [0, 0x10) are a valid
;; result. A runtime that adds without widening passes its bounds check and then reads far outside
;; the guest (or returns those 16 bytes). It must be abi_violation.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 16 bytes of valid result where the wrapped range would end.
  (data (i32.const 0) "{\"summary\":\"wr\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0xfffffff0) (i32.const 0x20)))))
