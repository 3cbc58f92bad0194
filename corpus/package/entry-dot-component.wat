;;! id = "package.entry-dot-component"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "runtime.entry is ./plugin.wasm, a '.' component naming a file that exists"
;;! [package]
;;! entry = "./plugin.wasm"
;;! module_path = "plugin.wasm"
;;! [expect]
;;! code = "path_escape"
;; runtime.entry is made of plain components only (SPEC section 2): '.' is refused like '..', even
;; though this path resolves inside the package. A runtime that normalises the path first, or only
;; looks for '..', loads the module.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"loaded through ./\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 31)))))
