;;! id = "package.zip-stored-package"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "the package as a stored zip with directory entries, its module in a subdirectory"
;;! capabilities = ["package_zip"]
;;! [package]
;;! entry = "lib/tool.wasm"
;;! [zip]
;;! [expect]
;;! output = { summary = "loaded and ran" }
;; The archive the kit writes for every package (directory entries, Unix modes, names in byte order):
;; a runtime that reads archives loads it as it loads the directory, and hashes the same files.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))
