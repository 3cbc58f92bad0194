;;! id = "component.zip-host-template"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "the host's component template as it packs it: a stored zip, its manifest verbatim"
;;! profile = "component"
;;! capabilities = ["package_zip", "host_manifest"]
;;! tool = "example_echo"
;;! input = '{"text":"hi"}'
;;! [package]
;;! manifest_replace = '''
;;! schema_version = 1
;;! id = "example.rust_component_tool"
;;! name = "Rust Component Tool Template"
;;! version = "0.1.0"
;;! surfaces = ["tool"]
;;! permissions = [
;;!   { kind = "surface", surface = "tool" },
;;!   { kind = "tool", name = "example_echo" },
;;! ]
;;! 
;;! [runtime]
;;! kind = "wasm-component"
;;! component = "plugin.component.wasm"
;;! world = "yoi:plugin/tool@1.0.0"
;;! 
;;! [[tools]]
;;! name = "example_echo"
;;! description = "Echo input text using the Rust PDK."
;;! input_schema = { type = "object", properties = { text = { type = "string" } }, required = ["text"], additionalProperties = false }
;;! external_write = false
;;! '''
;;! [zip]
;;! no_directories = true
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The originating host's own component template manifest, unchanged, in the archive shape it
;; ships (issue 12): both profiles load as the host packs them. The host keys (surfaces,
;; permissions, external_write) are read for the component profile exactly as for the core one.
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
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 28))
      (i32.const 0))
    (data (i32.const 16) "{\22summary\22:\22loaded and ran\22}")
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "call" (core func $call))
  (type $t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
