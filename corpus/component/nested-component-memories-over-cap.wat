;;! id = "component.nested-component-memories-over-cap"
;;! guarantee = "COMP-08"
;;! since = "0.1.0"
;;! summary = "a nested component instance holds a 24-page memory beside the main 16-page one"
;;! separates_up_to = { memory_bytes = 2621439 }
;;! separates_from = { memory_bytes = 1572864 }
;;! profile = "component"
;;! [expect]
;;! code = "memory_limit"
;; Nested components are flattened into one call: their core instances count toward the same
;; memory cap (24 + 16 pages = 2.5 MiB, over the 2 MiB cap).
(component
  (component $inner
    (core module $im (memory (export "memory") 24))
    (core instance $ii (instantiate $im)))
  (instance $nested (instantiate $inner))
  (core module $m
    (memory (export "memory") 16)
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
