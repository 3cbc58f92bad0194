;;! id = "component.realloc-loops"
;;! guarantee = "COMP-05"
;;! since = "0.1.0"
;;! summary = "the guest realloc spins while the host lowers the tool-name argument"
;;! endless = true
;;! profile = "component"
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;; realloc is guest code the host calls before call itself runs: the deadline covers it. A
;; runtime that arms the deadline only for the function answers a second later, or never.
(component
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (loop $l (br $l))
      (i32.const 0))
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
