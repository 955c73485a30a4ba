#!/usr/bin/perl
# SPDX-License-Identifier: Apache-2.0
#
# Write a small MaxMind DB (.mmdb) for tests, laid out like GeoLite2-Country
# (country.iso_code, country.names.en, registered_country.*), so the GeoIP
# code is tested against the real reader without shipping a vendor database.
#
# Usage: make_mmdb.pl [--type NAME] [--ip-version 4|6] [--no-alias]
#                     OUT.mmdb ENTRY...
#   ENTRY is NET=CC      country and registered_country CC
#            NET=rc:CC   registered_country CC only (no country)
#            NET=-       a record without any country (continent only)
#            NET=asn:N   an ASN-database-like record (no country)
# NET is IPv4 or IPv6 CIDR ("127.0.0.0/8", "::1/128"); a bare address is a
# host route. Entries are inserted broadest first, so a more specific
# network always wins whatever the argument order.
# --type sets metadata database_type (default "GeoLite2-Country");
# Options may come anywhere (the unit tests put OUT first).
# --no-alias leaves ::ffff:0:0/96 unaliased (some third-party files do).
use strict;
use warnings;

use Getopt::Long qw(GetOptions :config permute no_ignore_case);
use MaxMind::DB::Writer::Tree;

my $type       = 'GeoLite2-Country';
my $ip_version = 6;
my $no_alias   = 0;
GetOptions(
    'type=s'       => \$type,
    'ip-version=i' => \$ip_version,
    'no-alias'     => \$no_alias,
) or usage();
usage() if @ARGV < 1;
die "make_mmdb.pl: --ip-version must be 4 or 6\n"
    unless $ip_version == 4 || $ip_version == 6;

my $out = shift @ARGV;

my %types = (
    country                        => 'map',
    registered_country             => 'map',
    continent                      => 'map',
    names                          => 'map',
    en                             => 'utf8_string',
    iso_code                       => 'utf8_string',
    code                           => 'utf8_string',
    geoname_id                     => 'uint32',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version    => $ip_version,
    record_size   => 28,
    database_type => $type,
    languages     => ['en'],
    description   => { en => 'sipwarden test database' },
    # IPv4 lives in the ::/96 subtree; ::ffff:0:0/96 aliases it, as in the
    # vendor databases.
    alias_ipv6_to_ipv4       => ( $ip_version == 6 && !$no_alias ? 1 : 0 ),
    remove_reserved_networks => 0,    # tests use loopback and documentation
    map_key_type_callback    => sub {
        my $t = $types{ $_[0] };
        die "make_mmdb.pl: no type for key '$_[0]'\n" unless defined $t;
        return $t;
    },
);

my @entries;
for my $arg (@ARGV) {
    my ( $net, $val ) = $arg =~ /\A([^=]+)=(.*)\z/
        or die "make_mmdb.pl: bad entry '$arg' (want NET=VALUE)\n";
    my $len;
    if ( $net =~ m{\A(.+)/(\d+)\z} ) {
        $len = $2;
    }
    else {
        $len = $net =~ /:/ ? 128 : 32;
        $net = "$net/$len";
    }
    # Compare prefix lengths on one scale: an IPv4 /8 is a /104 in ::/96.
    my $key = $net =~ /:/ ? $len : $len + 96;
    push @entries, [ $key, $net, record_of($val) ];
}

# Stable sort: broadest first, argument order among equals.
for my $e ( sort { $a->[0] <=> $b->[0] } @entries ) {
    $tree->insert_network( $e->[1], $e->[2] );
}

open my $fh, '>:raw', $out or die "make_mmdb.pl: $out: $!\n";
$tree->write_tree($fh);
close $fh or die "make_mmdb.pl: $out: $!\n";
exit 0;

sub record_of {
    my ($val) = @_;
    if ( $val eq '-' ) {
        return { continent => { code => 'EU', names => { en => 'Europe' } } };
    }
    if ( $val =~ /\Aasn:(\d+)\z/ ) {
        return {
            autonomous_system_number       => $1,
            autonomous_system_organization => "Test AS$1",
        };
    }
    if ( $val =~ /\Arc:(.+)\z/ ) {
        return { registered_country => country($1) };
    }
    return { country => country($val), registered_country => country($val) };
}

sub country {
    my ($cc) = @_;
    # Any string is accepted on purpose: tests feed the reader bad codes.
    return { iso_code => $cc, names => { en => "Country $cc" },
        geoname_id => 1 };
}

sub usage {
    print STDERR "usage: make_mmdb.pl [--type NAME] [--ip-version 4|6] [--no-alias]"
        . " OUT.mmdb NET=CC|NET=rc:CC|NET=-|NET=asn:N ...\n";
    exit 2;
}
