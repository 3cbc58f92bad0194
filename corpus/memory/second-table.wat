;;! id = "memory.second-table"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "a module with two small funcref tables"
;;! [expect]
;;! code = "table_limit"
;; Reference types make a second table valid WebAssembly 2.0; the runtime allows one table per
;; instance, so this is table_limit, not module_invalid.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if both tables are allowed.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (table $first 1 funcref)
  (table $second 1 funcref)
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
