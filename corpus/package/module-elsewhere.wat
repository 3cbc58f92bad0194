;;! id = "package.module-elsewhere"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "the only module in the package is tool.wasm while runtime.entry names plugin.wasm"
;;! [package]
;;! module_path = "tool.wasm"
;;! [expect]
;;! code = "module_missing"
;; The package holds exactly one valid module, under another name than runtime.entry. A runtime that
;; globs for "*.wasm" or falls back to "the module in the package" would run it; the module is
;; selected by runtime.entry alone, so this is module_missing.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
