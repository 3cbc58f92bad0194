;;! id = "component.tool-name"
;;! guarantee = "RES-02"
;;! since = "0.1.0"
;;! summary = "the component answers with the tool-name argument it was called with"
;;! profile = "component"
;;! tool = "beta"
;;! [package]
;;! tools = ["alpha", "beta"]
;;! [expect]
;;! output = { summary = "beta" }
;; `call` builds {"summary":"<tool-name>"} from its first argument, so one component serves every
;; tool of its manifest.
(component
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
      (memory.copy (i32.const 2060) (local.get 0) (local.get 1))
      (i32.store16 (i32.add (i32.const 2060) (local.get 1)) (i32.const 0x7d22))
      (i32.store (i32.const 0) (i32.const 2048))
      (i32.store (i32.const 4) (i32.add (local.get 1) (i32.const 14)))
      (i32.const 0))
    (data (i32.const 2048) "{\22summary\22:\22")
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
