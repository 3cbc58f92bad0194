;;! id = "package.entry-symlink-inside"
;;! guarantee = "PKG-05"
;;! since = "0.1.0"
;;! summary = "plugin.wasm is a symlink to real.wasm, a valid module in the same package"
;;! [package]
;;! module_path = "real.wasm"
;;! symlink_entry_to = "real.wasm"
;;! [expect]
;;! code = "path_escape"
;; A symlink anywhere in the package is path_escape, even one whose target stays inside: the
;; digest covers regular files only, and whether a link stays inside depends on the file system at
;; the time of the read. A runtime that canonicalises the entry and checks it is still under the
;; package directory accepts this link.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"loaded through a symlink\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 38)))))
