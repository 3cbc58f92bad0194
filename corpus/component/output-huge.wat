;;! id = "component.output-huge"
;;! guarantee = "COMP-07"
;;! since = "0.1.0"
;;! summary = "call returns a valid 1 MiB JSON string, over the 64 KiB output cap"
;;! separates_up_to = { output_bytes = 1048603 }
;;! profile = "component"
;;! [expect]
;;! code = "output_too_large"
;; The string is valid UTF-8 and a valid tool output except for its size: only the output cap
;; refuses it. (The core profile enforces that cap in output_write, which a component never
;; calls.)
(component
  (core module $m
    (memory (export "memory") 20)
    (global $bump (mut i32) (i32.const 1024))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $bump))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    ;; call(tool_ptr, tool_len, input_ptr, input_len) -> pointer to (ptr, len)
    (func (export "call") (param i32 i32 i32 i32) (result i32) 
      (memory.fill (i32.const 282) (i32.const 0x61) (i32.const 1048576))
      (i32.store16 (i32.const 1048858) (i32.const 0x7d22))
      (i32.store (i32.const 0) (i32.const 256))
      (i32.store (i32.const 4) (i32.const 1048604))
      (i32.const 0))
    (data (i32.const 256) "{\22summary\22:\22x\22,\22content\22:\22")
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
