"""The zone the DNS benchmarks load and serve (bench/dns/zone-read,
bench/dns/serve-qps): per host A, AAAA and TXT; every tenth an MX and a
CNAME; every hundredth a delegation with glue and a DS; SRV, CAA and an
HTTPS record at the apex; `extra` lines after the apex's."""


def zone_text(records, extra=()):
    lines = ["$ORIGIN example.test.", "$TTL 3600",
             "@ SOA ns1 hostmaster 2026120401 7200 3600 1209600 300",
             "@ NS ns1", "ns1 A 192.0.2.1",
             "@ CAA 0 issue \"letsencrypt.org\"",
             "_https._tcp SRV 1 2 443 www",
             "@ HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.10"] + list(extra)
    i = 0
    while len(lines) < records + 2:
        host = f"host{i}"
        lines.append(f"{host} A 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        lines.append(f"{host} AAAA 2001:db8::{i >> 16 & 0xffff:x}:{i & 0xffff:x}")
        lines.append(f"{host} TXT \"v=spf1 ip4:10.0.0.0/8 -all\" \"host number {i}\"")
        if i % 10 == 0:
            lines.append(f"{host} MX 10 mail.{host}")
            lines.append(f"www.{host} CNAME {host}")
        if i % 100 == 0:
            lines.append(f"sub{i} NS ns.sub{i}")
            lines.append(f"ns.sub{i} A 192.0.2.{i % 250 + 1}")
            lines.append(f"sub{i} DS 60485 13 2 "
                         "F9C7AF7EBCBF098B9F5F37361D1B168BB2E5B98D930CEEF0F055377A8C94DB61")
        i += 1
    return "\n".join(lines[:records + 2]) + "\n"
