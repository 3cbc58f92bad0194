;;! id = "abi.output-write-negative-len"
;;! guarantee = "ABI-02"
;;! since = "0.1.0"
;;! summary = "output_write(0, -1)"
;;! [expect]
;;! code = "abi_violation"
;;! min_host_call_failures = { output_write = 1 }
;; A negative length is an ABI violation in its own right, reported as abi_violation rather than as
;; output_too_large (0xffffffff unsigned) or a host panic on a huge slice.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const -1)))))
