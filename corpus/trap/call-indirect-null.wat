;;! id = "trap.call-indirect-null"
;;! guarantee = "TRAP-01"
;;! since = "0.1.0"
;;! summary = "call_indirect through an empty table slot"
;;! [expect]
;;! code = "trap"
;;! details = { trap = "indirect_call_to_null" }
;; Calling a null function reference.
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
    ;; Slot 0 was never initialised.
    (call_indirect $t (type $void) (i32.const 0))))
