;;! id = "output.write-after-out-of-bounds"
;;! guarantee = "OUT-02"
;;! since = "0.1.0"
;;! summary = "an out-of-bounds write fails, then a valid write succeeds"
;;! [expect]
;;! code = "abi_violation"
;;! min_host_calls = { output_write = 2 }
;;! min_host_call_failures = { output_write = 1 }
;; An ABI violation is not undone by a later good write: abi_violation.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 128) "{\"summary\":\"valid afterwards\"}")
  (func (export "yoi_tool_call")
    ;; [65530, 65550) runs past the end of memory.
    (drop (call $output_write (i32.const 65530) (i32.const 20)))
    (drop (call $output_write (i32.const 128) (i32.const 30)))))
