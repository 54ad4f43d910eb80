extension SiteExporter {
    /// One stylesheet for every page: system fonts (CJK ones named for Chinese passages), tables
    /// that stack into cards below 40rem so a phone (390 px) never scrolls sideways, long hashes
    /// and addresses that wrap, and a print form (no navigation, links spelled out).
    static let stylesheet = """
        :root { --ink: #1d1d1f; --muted: #62636a; --line: #d9d9de; --soft: #f6f6f8; --accent: #9b1c1c; }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body { margin: 0; color: var(--ink); background: #fff;
          font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
        :lang(zh-CN) { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC",
          "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; line-height: 1.75; }
        header.site, main, footer.site { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
        video { max-width: 100%; height: auto; }
        header.site { padding-top: .75rem; padding-bottom: .75rem; border-bottom: 1px solid var(--line); }
        header.site a { color: var(--accent); font-weight: 600; text-decoration: none; }
        footer.site { margin-top: 3rem; padding-bottom: 2rem; color: var(--muted); font-size: .9rem;
          border-top: 1px solid var(--line); }
        a { color: var(--accent); }
        h1 { font-size: 1.75rem; line-height: 1.25; margin: 1.25rem 0 .5rem; }
        h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; }
        p, li, dd, td, th { overflow-wrap: break-word; }
        code { font: .85em/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
          overflow-wrap: anywhere; word-break: break-all; }
        .kind, .date { color: var(--muted); font-size: .9rem; }
        .kind { margin: 1rem 0 0; }
        .title-zh { font-size: 1.3rem; margin: 0 0 1rem; }
        .missing { color: var(--muted); font-style: italic; }
        dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .25rem 1rem; margin: 1rem 0; }
        dl.facts dt { color: var(--muted); }
        dd { margin: 0; min-width: 0; }
        .pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.5rem; }
        .pair > div { min-width: 0; }
        table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: .5rem 0 1rem; }
        th, td { text-align: left; vertical-align: top; padding: .45rem .5rem; border-bottom: 1px solid var(--line); }
        thead th { background: var(--soft); font-weight: 600; }
        table.transcript col.at { width: 5rem; }
        td.at { color: var(--muted); font-variant-numeric: tabular-nums; }
        table.lessons col.n { width: 5rem; }
        table.lessons col.post { width: 34%; }
        table.lessons col.original { width: 24%; }
        table.lessons col.when { width: 8rem; }
        table.terms col.en { width: 40%; }
        table.terms col.zh { width: 30%; }
        table.glossary col.en { width: 24%; }
        table.glossary col.zh { width: 16%; }
        table.glossary col.lessons { width: 6rem; }
        ul.documents { padding-left: 1.25rem; }
        .notes ol { padding-left: 1.75rem; }
        .provenance { margin: 2rem 0 1rem; padding: .25rem 1rem 1rem; background: var(--soft);
          border: 1px solid var(--line); border-radius: 6px; }
        .provenance dl { display: grid; grid-template-columns: 9rem minmax(0, 1fr); gap: .2rem 1rem; }
        .provenance dt { color: var(--muted); }
        @media (max-width: 40rem) {
          h1 { font-size: 1.45rem; }
          .pair { grid-template-columns: minmax(0, 1fr); gap: 0; }
          dl.facts, .provenance dl { grid-template-columns: minmax(0, 1fr); }
          dl.facts dd, .provenance dd { margin-bottom: .4rem; }
          table.lessons, table.lessons tbody, table.lessons tr, table.lessons th, table.lessons td,
          table.glossary, table.glossary tbody, table.glossary tr, table.glossary td,
          table.transcript, table.transcript tbody, table.transcript tr, table.transcript td { display: block; width: 100%; }
          table.lessons thead, table.glossary thead, table.transcript thead, table.transcript colgroup { display: none; }
          table.lessons tr, table.glossary tr, table.transcript tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
          table.lessons th, table.lessons td, table.glossary td, table.transcript td { border: 0; padding: .1rem 0; }
          table.lessons th[scope=row] { width: 100%; }
          table.lessons tr.absent td:nth-of-type(n+3) { display: none; }
          table.lessons colgroup, table.glossary colgroup { display: none; }
          table.lessons [data-label]::before, table.glossary [data-label]::before {
            content: attr(data-label) ": "; color: var(--muted); font-weight: 400; }
        }
        @media print {
          header.site, footer.site { display: none; }
          body { font-size: 10.5pt; }
          main { max-width: none; padding: 0; }
          a { color: inherit; text-decoration: none; }
          .provenance a[href^="http"]::after { content: " <" attr(href) ">"; overflow-wrap: anywhere; }
          .provenance, table tr, .pair { break-inside: avoid; }
          h2 { break-after: avoid; }
          .provenance, thead th { background: none; }
        }

        """
}
