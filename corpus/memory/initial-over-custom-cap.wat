;;! id = "memory.initial-over-custom-cap"
;;! guarantee = "MEM-01"
;;! since = "0.1.0"
;;! summary = "memory_bytes = 131072 (2 pages) and 3 pages of initial memory"
;;! [limits]
;;! memory_bytes = 131072
;;! [expect]
;;! code = "memory_limit"
;; A configured cap, not only the default one.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 3)
  ;; The result this guest returns if its memory is allowed.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
