;;! id = "memory.initial-over-cap"
;;! guarantee = "MEM-01"
;;! since = "0.1.0"
;;! summary = "declares 33 pages of initial memory against the 32-page (2 MiB) cap"
;;! separates_up_to = { memory_bytes = 2162687 }
;;! separates_from = { memory_bytes = 2097152 }
;;! [expect]
;;! code = "memory_limit"
;; The memory is over the cap before any code runs: memory_limit at instantiation (or earlier), not
;; module_invalid and not a successful run.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 33)
  ;; The result this guest returns if its memory is allowed.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
