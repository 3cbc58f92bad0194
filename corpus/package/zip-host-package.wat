;;! id = "package.zip-host-package"
;;! guarantee = "PKG-12"
;;! since = "0.1.0"
;;! summary = "the host's package exactly as it packs it: a stored zip without directory entries, its manifest"
;;! capabilities = ["package_zip", "host_manifest"]
;;! tool = "echo.v2"
;;! input = '{"text":"hi"}'
;;! [package]
;;! manifest_replace = '''
;;! schema_version = 1
;;! id = "example.host_tool"
;;! name = "Host Tool"
;;! version = "0.1.0"
;;! surfaces = ["tool"]
;;! permissions = [
;;!   { kind = "surface", surface = "tool" },
;;!   { kind = "tool", name = "echo.v2" },
;;! ]
;;! 
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;! 
;;! [[tools]]
;;! name = "echo.v2"
;;! description = "Echo input text."
;;! input_schema = { type = "object", properties = { text = { type = "string" } }, required = ["text"], additionalProperties = false }
;;! external_write = false
;;! '''
;;! [zip]
;;! no_directories = true
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; What the issue asked for: a `.yoi-plugin` file as the host writes it loads unchanged.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
