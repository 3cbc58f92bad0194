;;! id = "package.entry-case"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "runtime.entry names Plugin.wasm; the package holds plugin.wasm"
;;! [package]
;;! entry = "Plugin.wasm"
;;! module_path = "plugin.wasm"
;;! [expect]
;;! code = "module_missing"
;; Package paths compare byte for byte, whatever the host's file system does with case. A runtime
;; that looks the entry up case-insensitively (or lowercases it) runs plugin.wasm.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
