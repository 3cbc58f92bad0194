;;! id = "package.module-missing"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "the manifest names plugin.wasm but the package holds no module"
;;! [package]
;;! module_path = ""
;;! [expect]
;;! code = "module_missing"
;; The module is compiled but never written into the package: runtime.entry names a file that does
;; not exist. The load must fail with module_missing, not with a generic I/O error.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns if the runtime loads it anyway.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
