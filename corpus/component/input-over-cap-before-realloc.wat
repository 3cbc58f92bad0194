;;! id = "component.input-over-cap-before-realloc"
;;! guarantee = "IN-01"
;;! since = "0.1.0"
;;! summary = "an input one byte over the cap is refused before the guest realloc is called"
;;! separates_up_to = { input_bytes = 65536 }
;;! profile = "component"
;;! input_size = 65537
;;! [expect]
;;! code = "input_too_large"
;; realloc traps if it is ever called: a runtime that lowers the input before checking its size
;; reports trap instead of input_too_large.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      unreachable)
    ;; call(tool_ptr, tool_len, input_ptr, input_len) -> pointer to (ptr, len)
    (func (export "call") (param i32 i32 i32 i32) (result i32) 
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 16))
      (i32.const 0))
    (data (i32.const 16) "{\22summary\22:\22ok\22}")
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
