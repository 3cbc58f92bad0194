;;! id = "memory.table-initial-over-cap"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "declares a funcref table of 257 elements against the 256 cap"
;;! separates_up_to = { table_elements = 256 }
;;! separates_from = { table_elements = 256 }
;;! [expect]
;;! code = "table_limit"
;; Over the table cap before any code runs.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if its table is allowed.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (table 257 funcref)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
