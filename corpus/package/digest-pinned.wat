;;! id = "package.digest-pinned"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "loads the exact package that package.tampered-after-pin tampers with, untampered"
;;! [package]
;;! pad_module_to = 1024
;;! manifest_replace = """
;;! schema_version = 1
;;! id = "conformance.manifest"
;;! name = "manifest"
;;! version = "0.1.0"
;;! description = "hand-written manifest"
;;!
;;! [runtime]
;;! kind = "wasm"
;;! entry = "plugin.wasm"
;;! abi = "yoi-plugin-wasm-1"
;;!
;;! [[tools]]
;;! name = "run"
;;! description = "conformance case tool"
;;! input_schema = { type = "object" }
;;! """
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; This case and package.tampered-after-pin build byte-identical packages (the same manifest text,
;; module and padding), so both pin the same digest. This one is intact and must load and run. It
;; sorts before its twin, so a runtime that caches loads by pinned digest has this package in its
;; cache when the tampered one arrives.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package is intact.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
