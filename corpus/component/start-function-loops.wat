;;! id = "component.start-function-loops"
;;! guarantee = "CPU-02"
;;! since = "0.1.0"
;;! summary = "the start function of a second core module inside the component never returns"
;;! endless = true
;;! profile = "component"
;;! [limits]
;;! deadline_ms = 50
;;! [expect]
;;! code = "timeout"
;; A component instantiates an inner module whose start function spins: instantiation runs
;; under the call's deadline, every core instance's start function included.
(component
  (core module $spin
    (func $forever (loop $l (br $l)))
    (start $forever))
  (core instance $s (instantiate $spin))
  (core module $m
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
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
