;;! id = "memory.table-initial-at-cap"
;;! guarantee = "MEM-03"
;;! since = "0.1.0"
;;! summary = "declares a funcref table of exactly 256 elements and calls through its last slot"
;;! [expect]
;;! output = { summary = "called through slot 255 of 256" }
;; The control of memory.table-initial-over-cap: a table of exactly table_elements elements is
;; within the cap. A check written `>=` refuses it with table_limit.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (type $answer (func))
  (table 256 funcref)
  (elem (i32.const 255) func $write)
  (data (i32.const 0) "{\"summary\":\"called through slot 255 of 256\"}")
  (func $write
    (drop (call $output_write (i32.const 0) (i32.const 44))))
  (func (export "yoi_tool_call")
    (call_indirect (type $answer) (i32.const 255))))
