;;! id = "trap.call-indirect-out-of-table"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "call_indirect with index 5 into a 2-element table"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "table_out_of_bounds" }
;; An index past the end of the table.
(module
  (import "yoi:tool" "input_len" (func $input_len (result i32)))
  (memory (export "memory") 1)
  (type $void (func))
  (type $takes_i32 (func (param i32)))
  (table $t 2 funcref)
  ;; Slot 0 stays null; slot 1 holds a function of type [i32] -> [].
  (func $wants_i32 (param i32))
  (elem (table $t) (i32.const 1) func $wants_i32)
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    ;; The table has two slots.
    (call_indirect $t (type $void) (i32.const 5))))
