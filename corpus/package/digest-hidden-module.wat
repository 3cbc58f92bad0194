;;! id = "package.digest-hidden-module"
;;! guarantee = "PKG-01"
;;! since = "0.1.0"
;;! summary = "the module is a dotfile, .plugin.wasm: every regular file is hashed, hidden ones included"
;;! [package]
;;! entry = ".plugin.wasm"
;;! [expect]
;;! output = { summary = "hidden files are hashed too" }
;; Directory walkers often skip hidden files by default. The digest covers every regular file, so
;; a runtime that walks the package that way leaves the module out of the digest (digest_mismatch)
;; or cannot find it (module_missing); either way this intact package fails.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"hidden files are hashed too\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 41)))))
