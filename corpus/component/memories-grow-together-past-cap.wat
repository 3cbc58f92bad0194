;;! id = "component.memories-grow-together-past-cap"
;;! guarantee = "COMP-08"
;;! since = "0.1.0"
;;! summary = "a second core instance holds 31 pages; call grows the main 1-page memory by one page"
;;! separates_up_to = { memory_bytes = 2162687 }
;;! separates_from = { memory_bytes = 2097152 }
;;! profile = "component"
;;! [expect]
;;! code = "memory_limit"
;; 32 pages together are exactly the cap and instantiate; one more page in any memory is over
;; it, even though the growing memory itself stays tiny.
(component
  (core module $big (memory (export "memory") 31))
  (core instance $b (instantiate $big))
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
      (drop (memory.grow (i32.const 1)))
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
