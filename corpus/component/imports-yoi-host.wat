;;! id = "component.imports-yoi-host"
;;! guarantee = "COMP-03"
;;! since = "0.1.0"
;;! summary = "the component imports a yoi:host interface and a WASI one"
;;! profile = "component"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:host/log@1.0.0", "wasi:filesystem/types@0.2.6"], count = 2 }
;; Host APIs are out of scope for this world: yoi:host/* is denied like WASI, both named in
;; import order.
(component
  (import "yoi:host/log@1.0.0" (instance
    (export "log" (func (param "text" string)))))
  (import "wasi:filesystem/types@0.2.6" (instance
    (export "unused" (func))))
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
      (i32.store (i32.const 0) (local.get 2))
      (i32.store (i32.const 4) (local.get 3))
      (i32.const 0))

  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
