"""A million realistic orders and their parcels, loaded through the migrated schema in minutes.

For the search benchmark: staff look orders up by number, e-mail prefix, a fragment of the
customer's name, of a tracking number or a postcode, filter by the parcels' stage, status and
carrier, and sort by placed_at. So the data has the shape those searches meet in a shop: names
drawn Zipf-like from real first names and several thousand surnames of many origins, some repeat
customers, UK postcodes mostly, tracking numbers in each carrier's real format with valid check
digits, orders spread over two years (busier evenings, weekends, Black Friday and December, and
growing), old parcels mostly delivered and the last fortnight's spread over every stage, with a
few percent of failed attempts, exceptions, returns and stalled parcels.

Every value is a pure function of the order's index and the `Plan` (how many orders, and the
moment the data describes), so a benchmark knows order i's number, e-mail, name and tracking
numbers without asking the database: `order_fields(i, plan)`, `shipment_fields(i, plan)`. Tokens
are derived from the index as well: fine for a benchmark, never for real links.

Loading goes through the real schema, migrated by the app, so index and trigger upkeep is paid
for as it would be: COPY on PostgreSQL (then the sequences moved past the loader's ids, and
VACUUM ANALYZE, as autovacuum would do on a live server); on SQLite the raw connection's
executemany in one transaction per chunk, the FTS5 triggers of migration 0006 firing on every row,
then the FTS index optimised. Each order row carries its parcels' stages (migration 0010); on
PostgreSQL the trigger that would recount them is off during the COPY of the parcels, as it
would only write the same value again. The first parcel of every order in a chunk goes in before any
second one: FTS5 flushes its pending terms whenever a row id comes round again, so interleaving
parcels would flush once per split order. Orders are taken in chunks so memory stays flat.

    .venv/bin/python -m bench.order_loader [--orders 1000000] [--sqlite [PATH]] [--postgresql]
        [--keep] [--chunk 20000]

With neither --sqlite nor --postgresql it loads both. --keep leaves the scratch database (or the
temporary SQLite file) in place and prints its URL; an explicit --sqlite PATH is always kept.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import io
import multiprocessing
import sqlite3
import tempfile
import time
import unicodedata
from base64 import urlsafe_b64encode
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from bench.common import load_average, postgres_available, postgres_database, table
from webapp import create_app
from webapp.config import DEFAULTS
from webapp.database import close_connections
from webapp.schema import upgrade_all
from webapp.tracking.stages import STAGE_OF, Stage
from webapp.tracking.statuses import Status

CHUNK = 20_000
HISTORY_DAYS = 730
FIRST_NUMBER = 100_000
MINUTE, HOUR, DAY = 60, 3600, 86400
POLL_SECONDS = {Stage[name].value: seconds for name, seconds in DEFAULTS["POLL_SECONDS"].items()}
STALLED_AFTER = DEFAULTS["STALLED_AFTER_SECONDS"]
EXPIRES_AFTER = 30 * DAY  # carriers stop tracking a parcel after about a month without news

ORDER_COLUMNS = (
    "id",
    "number",
    "email",
    "name",
    "postcode",
    "country",
    "locale",
    "placed_at",
    "token",
    "revision",
    "created_at",
    "parcel_stages",
)
SHIPMENT_COLUMNS = (
    "id",
    "order_id",
    "carrier",
    "tracking_number",
    "service",
    "status",
    "exception_reason",
    "stage",
    "returning_to_sender",
    "eta_date",
    "eta_source",
    "shipped_at",
    "delivered_at",
    "last_scan_at",
    "last_checked_at",
    "next_check_at",
    "failures",
    "stalled",
    "created_at",
)
STAGE_AT = SHIPMENT_COLUMNS.index("stage") - 1  # in a parcel's row before its id is given


# --- Who orders: names, e-mail domains, places ----------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


def _weights(text: str) -> dict[str, int]:
    """'gmail.com:300 me.com:15' -> {'gmail.com': 300, 'me.com': 15}."""
    return {key: int(weight) for key, weight in (word.split(":") for word in text.split())}


# Surnames by origin, commonest first within each group; a group's share of customers is split
# Zipf-like over its names, so "Smith" is about 1 % of the table, as in the UK, and the tail long.
SURNAME_GROUPS = {
    "british": """
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
        Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson
        Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
        James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook
        Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall
        Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray
        Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd
        Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed
        Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox
        Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball
        Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart
        Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons
        Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy
        Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton
        Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton
        McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy
        Chambers Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George
        Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson
        Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan
        Whitehead Mann Frost Lambert Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson
        Cunningham Quinn Barnett Baxter Bibi Clayton Nash Greenwood Jennings Holt Kemp Poole Gough
        Little Hargreaves Davidson Dale Howells Wood Sanders Ashton Fuller Norris Duncan Frazer
        Hobbs Lord Abbott Kirby Swift Pugh Iqbal Ferguson Moran Cartwright Hancock Pickering
        Brennan Schofield Finch Whittaker Kirk Bolton Haynes Rhodes Mellor Birch Bryant Dickinson
        Fowler Chandler Horton Moss Sheppard Vaughan Sims Tucker Glover Conway Fleming Hurst
        Humphreys Summers Steele Keen Tyler Bowen Lucas Cameron Preston Sykes Whitfield Lyons
        Rowley Wyatt Craig Middleton Kershaw Buckingham Fraser Sinclair Munro Ogilvie Urquhart
        Buchanan Crawford Cunliffe Gillespie Lindsay Logan Napier Rennie Sutherland Baird Boyd
        Dickson Douglas Forbes Milne Paterson Morrison Kerr Hay Innes Jamieson Kirkpatrick
        Llewellyn Prosser Probert Prothero Beynon Bevan Gwynne Meredith Howell Parry Powell
        Pryce Jenkins Rowlands Vaughan Lloyd-Jones Cadwallader Trevithick Penrose Pascoe Nancarrow
        Tremayne Trelawny Pengelly Rowe Hendry Opie
    """,
    "gaelic": """
        Murphy Kelly O'Sullivan Walsh Byrne Ryan O'Connor O'Neill O'Reilly Doyle McCarthy
        Gallagher O'Doherty Kennedy Lynch Murray Quinn Moore McLoughlin O'Carroll Connolly Daly
        O'Connell Brennan Burke Collins Fitzgerald Nolan Dunne Power Kavanagh Keane Brady Foley
        Hayes Moran Farrell Fitzpatrick Maguire Flynn Kenny Duffy Casey Mulligan Hogan Cullen
        Sheehan Mooney Healy O'Donnell O'Leary O'Shea O'Keeffe O'Driscoll O'Callaghan O'Hara
        O'Mahony O'Rourke O'Dwyer O'Halloran O'Toole O'Flaherty O'Gorman O'Malley O'Dowd
        O'Riordan O'Donovan O'Kane O'Hagan Ó Súilleabháin MacDonald MacKenzie MacLeod
        MacIntosh MacKay MacGregor MacLean MacMillan MacPherson MacFarlane MacKinnon MacLaren
        MacAllister MacInnes MacEwan MacDougall MacQueen MacNab McGuire McCann McBride
        McLaughlin McGrath McDermott McManus McGinley McGovern McCloskey McKeown McCormack
        McKenna McMahon McNamara McAuley McCabe McCarron McCready McCullough McDaid McFadden
        McGee McGowan McHugh McIlroy McKee McLean McMillan McNally McNeill McShane McVeigh
        Ó Briain
    """,
    "south_asian": """
        Patel Khan Ali Ahmed Hussain Singh Kaur Begum Shah Rahman Islam Iqbal Akhtar Mahmood
        Sharma Gupta Kumar Das Chowdhury Miah Uddin Malik Aziz Rashid Javed Anwar Mistry Parmar
        Chauhan Joshi Mehta Desai Nair Pillai Reddy Rao Iyer Gill Sandhu Sidhu Dhillon Grewal
        Bains Mann Virk Chopra Kapoor Bhatt Thakkar Solanki Lad Modi Trivedi Pandya Rana Saini
        Verma Yadav Bose Banerjee Mukherjee Chatterjee Sen Dutta Ghosh Nath Hossain Karim Sultana
        Siddiqui Qureshi Butt Raja Bhatti Mirza Baig Sheikh Choudhury Haque Sarkar Bhatia Arora
        Khanna Malhotra Sethi Suri Tiwari Mishra Pandey Dubey Shukla Agarwal Jain Vora Panchal
        Gohil Jadeja Rathod Makwana Chavda Vaghela Ranjan Menon Krishnan Subramanian Raman
        Perera Fernando Silva Jayasuriya Wickramasinghe Bandara
    """,
    "east_asian": """
        Chen Wang Li Zhang Liu Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao Luo Zheng
        Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Wong Chan Cheung Lau Leung Ng Ho Yip Tse
        Kwok Lam Chow Tsang Nguyen Tran Le Pham Hoang Phan Vu Dang Bui Do Kim Lee Park Choi Jung
        Kang Cho Yoon Jang Lim Tanaka Suzuki Sato Takahashi Watanabe Ito Yamamoto Nakamura
        Kobayashi Kato Yoshida Yamada Sasaki Matsumoto Inoue Kimura Tan Goh Teo Ong Koh Chua
        Santos Reyes Cruz Bautista Garcia Mendoza Ramos Aquino Villanueva
    """,
    "african": """
        Okafor Okoye Adeyemi Adebayo Ogunleye Oluwole Eze Nwosu Obi Okonkwo Mensah Owusu Boateng
        Asante Appiah Osei Addo Agyeman Kamara Conteh Bangura Sesay Mwangi Kamau Otieno Ochieng
        Mohamed Abdi Hassan Yusuf Ibrahim Abdullah Farah Osman Omar Adeleke Afolabi Akinola
        Babatunde Balogun Chukwu Ekwueme Ibekwe Nnamdi Nwachukwu Obiora Ogbonna Okeke Olaniyan
        Onyeka Oyelaran Uchenna Adjei Amoah Antwi Bonsu Danquah Frimpong Kyei Nkrumah Opoku
        Sarpong Tetteh Yeboah Dlamini Ndlovu Nkosi Mokoena Mahlangu Banda Phiri Mutasa Moyo Tembo
        Haile Tesfaye Girma Bekele Alemu Mengistu Diallo Traore Keita Toure Coulibaly Diop Ndiaye
    """,
    "central_european": """
        Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
        Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
        Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król
        Majewski Olszewski Jaworski Malinowski Pawlak Witkowski Walczak Stępień Górski Rutkowski
        Michalak Sikora Ostrowski Baran Duda Szewczyk Tomaszewski Pietrzak Marciniak Wróbel
        Zalewski Jakubowski Jasiński Zawadzki Sadowski Bąk Chmielewski Włodarczyk Borkowski
        Czarnecki Sawicki Sokołowski Urbański Kubiak Maciejewski Szczepański Kucharski Wilk
        Kalinowski Lis Mazurek Wysocki Adamski Kaźmierczak Wasilewski Sobczak Czerwiński
        Andrzejewski Cieślak Głowacki Zakrzewski Kołodziej Sikorski Krajewski Gajewski Szymczak
        Popescu Ionescu Popa Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Novák Svoboda
        Dvořák Černý Procházka Kučera Horváth Nagy Kovács Szabó Tóth Varga Petrov Ivanov
        Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Shevchenko Bondarenko
        Kovalenko Tkachenko Kravchenko Oliynyk Kazlauskas Jankauskas Petrauskas Bērziņš Kalniņš
        Ozoliņš Jovanović Petrović Nikolić Marković Đorđević Horvat Kovačević Babić
    """,
    "european": """
        Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
        Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann
        Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid Schulze Maier Köhler
        Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn
        Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann
        Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Schumacher Krämer Vogt Stein
        Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Bernard Dubois Thomas Robert Richard
        Petit Durand Leroy Moreau Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent
        Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez
        Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin
        Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Rossi Russo Ferrari
        Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De Luca Costa
        Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso
        Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Lombardo Serra Coppola
        De Santis D'Angelo Marchetti García Fernández González Rodríguez López Martínez Sánchez
        Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso
        Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina
        Ferreira Pereira Oliveira Rodrigues Martins Jesus Sousa Fernandes Gonçalves Gomes Lopes
        Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira Correia de Jong Jansen
        de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer de Boer Mulder de Groot
        Bos Vos Hendriks van Leeuwen Dekker Brouwer de Wit Dijkstra Smits de Graaf van der Meer
        van der Linden Kok Jacobs de Haan Vermeulen van den Heuvel van der Veen van den Broek
        de Bruijn van der Heijden Schouten van Beek Willems van Vliet Hoekstra Maas Verhoeven
        Koster van Dam Prins Blom Huisman Peeters Maes Claes Goossens Wouters De Smet Andersson
        Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Hansen
        Johansen Olsen Larsen Andersen Pedersen Nielsen Kristiansen Jensen Virtanen Korhonen
        Mäkinen Nieminen Papadopoulos Georgiou Nikolaou Christodoulou Ioannou Konstantinou
        Pappas Demetriou Yilmaz Kaya Demir Şahin Çelik Yildiz Aydin Öztürk Arslan Doğan Kilic
        Cohen Levy Friedman Katz Goldberg Shapiro Rosenberg Kaplan
    """,
}
# English surnames named after places: a first part and an ending, as Ashworth or Bradshaw are.
PLACE_STARTS = _words("""
    Ash Bar Black Brad Brom Brook Bur Cald Chad Chap Chel Cran Dun Elling Fair Farn Ham Hart
    Hather Heath Hol Kings Lang Lock Marl Mid Mill Mor New Oak Pem Red Ros Shel Shir Stan Staple
    Stock Sut Thorn Tod Wal Wen West Whit Win Wood Alder Bark Bram Cold
""")
PLACE_ENDS = _words("""
    ley ton ford field well wood worth by ham combe dale more hurst bury stone brook cliffe gate
    land shaw croft holme wick ridge thorpe
""")
SURNAME_SHARES = {  # share of customers per origin, in thousandths
    "british": 600,
    "places": 100,
    "gaelic": 60,
    "south_asian": 70,
    "east_asian": 30,
    "african": 30,
    "central_european": 35,
    "european": 55,
    "double": 20,  # double-barrelled: two British surnames
}
FIRST_NAMES = {
    "british": """
        Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Willow Freya Florence
        Emily Ella Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Sophie Alice
        Harper Matilda Ruby Emilia Maya Millie Isabelle Eva Luna Jessica Aria Layla Chloe Hannah
        Sarah Laura Rachel Rebecca Emma Claire Nicola Helen Karen Susan Julie Lisa Michelle
        Joanne Amanda Louise Gemma Kelly Lauren Amy Katie Hayley Victoria Samantha Natalie Zoe
        Jennifer Elizabeth Margaret Patricia Linda Deborah Jane Catherine Anne Mary Joanna
        Kirsty Fiona Eilidh Morag Cerys Seren Ffion Bethan Carys Megan Zoë Abigail Beatrice
        Eleanor Harriet Imogen Jasmine Lucy Martha Naomi Penelope Tilly Violet Wendy Yvonne
        Oliver George Arthur Noah Leo Oscar Harry Archie Jack Henry Charlie Freddie Theodore
        Thomas Finley Theo Alfie Jacob William Isaac Tommy Lucas Teddy Joshua James Daniel David
        Michael Paul Mark Andrew Richard Robert John Stephen Peter Christopher Matthew Simon Gary
        Ian Neil Stuart Craig Darren Lee Jamie Ryan Adam Samuel Benjamin Joseph Edward Alexander
        Ethan Luke Callum Liam Connor Kieran Rhys Dylan Gareth Owain Ewan Angus Fraser Hamish
        Rory Finlay Harrison Jude Louie Reuben Ronnie Sebastian Stanley Toby Elliot Nathan Sean
        Kwame Marcus Tyrone Jerome Aaliyah Chantelle Shanice
    """,
    "gaelic": """
        Aoife Niamh Ciara Saoirse Róisín Siobhan Orla Sinéad Aisling Caoimhe Clodagh Gráinne
        Méabh Emma Sarah Grace Sophie Katie Mary Ann Ciarán Oisín Cillian Darragh Conor Seán
        Pádraig Eoin Cian Fionn Tadhg Diarmuid Declan Colm Niall Ruairí Jack James Michael
        John Patrick Kevin Brian Dermot Aidan Alasdair Calum Hamish Iain Lachlan Murdo Kenneth
    """,
    "south_asian": """
        Priya Ananya Aisha Fatima Maryam Zara Amira Noor Yasmin Nadia Sana Hana Leila Anjali Divya
        Kavya Meera Neha Pooja Riya Shreya Simran Harpreet Jaspreet Manpreet Ayesha Khadija
        Zainab Safiya Amina Muhammad Mohammed Ali Omar Ibrahim Yusuf Hamza Zain Ahmed Arjun
        Rohan Aarav Vikram Ravi Sanjay Raj Amir Hassan Tariq Imran Bilal Aryan Dev Kabir Nikhil
        Rahul Rishi Sameer Varun Gurpreet Harjit Jaswinder Kuldeep Sukhdev Asif Faisal Irfan
        Kamran Rizwan Shahid Usman Oliver Jack Sophia Leah Adam Sarah
    """,
    "east_asian": """
        Mei Li Yan Hui Xin Ying Jing Lan Wei Jun Hao Ming Chen Yu Tao Jian Minh Duc Linh Anh Thu
        Hoa Ji-woo Min-jun Seo-yeon Ji-ho Yuki Haruto Sakura Hina Kenji Emily Grace Michelle
        Jessica Vivian Karen Jason Kevin Daniel Michael David Ryan Eric Alan Jenny Amy Joyce
        Maria Joy Angel Mark Paolo
    """,
    "african": """
        Kwame Kofi Kojo Yaw Kwabena Ama Akosua Abena Efua Adwoa Chinedu Tunde Emeka Chidi Femi
        Segun Ngozi Chioma Adaeze Funmilayo Folake Temitope Oluwaseun Ifeoma Nneka Amara Zainab
        Fatou Aminata Mariama Ibrahima Mamadou Moussa Abdi Hodan Fadumo Amina Halima Ayan Thabo
        Sipho Lerato Naledi Tendai Tatenda Blessing Precious Grace Joy Samuel Daniel David Joseph
        Emmanuel Victoria Esther Deborah Michael Peter
    """,
    "central_european": """
        Agnieszka Katarzyna Magdalena Anna Marta Ewa Julia Zuzanna Aleksandra Joanna Monika
        Natalia Paulina Weronika Dorota Barbara Małgorzata Piotr Tomasz Krzysztof Jakub Paweł
        Marek Andrzej Michał Łukasz Kamil Mateusz Bartosz Wojciech Grzegorz Adam Maciej Dawid
        Andrei Ioana Elena Mihai Alexandru Cristina Petra Tereza Lucie Jakub Tomáš Eszter Zsófia
        Bence Dániel Olena Oksana Iryna Dmytro Oleksandr Andriy Natasha Ivan Sergei Jonas
        Laura Ieva Milan Ana Ivana Luka Nikola
    """,
    "european": """
        Lena Hannah Sophie Mia Emma Lea Marie Anna Laura Katharina Lukas Felix Jonas Maximilian
        Paul Leon Niklas Tobias Florian Stefan Léa Chloé Camille Manon Inès Jade Louise Clara
        Pierre Louis Hugo Jules Mathieu Antoine Julien Nicolas Chiara Giulia Francesca Sofia
        Aurora Alice Martina Marco Luca Giuseppe Matteo Alessandro Davide Andrea Lorenzo Lucía
        María Carmen Paula Marta Elena José Javier Carlos Pablo Diego Alejandro Daniel Inês
        Beatriz Mariana Joana João Tiago Pedro Rui Miguel Lotte Sanne Femke Anouk Daan Sem Bram
        Lars Ruben Thijs Ingrid Astrid Freja Elin Maja Erik Sven Mikael Anders Nils Johan Eleni
        Maria Giorgos Nikos Dimitris Elif Zeynep Ayşe Mehmet Mustafa Emre Can Sarah David Rachel
        Noa Yael Eitan
    """,
}
FIRST_NAMES_FOR = {
    "places": "british",
    "double": "british",
}

# Where customers live and the e-mail providers they use, each weighted (per thousand).
COUNTRIES = _weights("GB:820 IE:40 DE:30 FR:25 US:25 NL:20 ES:10 IT:10 BE:5 SE:5 AU:5 CA:5")
MAIL_DOMAINS = {
    "GB": _weights(
        "gmail.com:300 hotmail.co.uk:120 outlook.com:80 icloud.com:80 yahoo.co.uk:60 "
        "hotmail.com:50 btinternet.com:40 live.co.uk:30 googlemail.com:20 sky.com:20 yahoo.com:20 "
        "aol.com:15 me.com:15 virginmedia.com:15 talktalk.net:10 outlook.co.uk:10 nhs.net:8 "
        "protonmail.com:8 live.com:8 ntlworld.com:7 mail.com:4 gmx.co.uk:3 blueyonder.co.uk:3 "
        "tiscali.co.uk:3 ed.ac.uk:2"
    ),
    "IE": _weights(
        "gmail.com:400 hotmail.com:150 outlook.ie:80 eircom.net:80 icloud.com:80 yahoo.ie:60 "
        "live.ie:40"
    ),
    "DE": _weights(
        "gmail.com:250 gmx.de:200 web.de:200 t-online.de:120 outlook.de:60 yahoo.de:50 posteo.de:20"
    ),
    "FR": _weights(
        "gmail.com:350 orange.fr:150 free.fr:120 hotmail.fr:120 laposte.net:80 sfr.fr:60 "
        "yahoo.fr:60"
    ),
    "US": _weights(
        "gmail.com:450 yahoo.com:150 icloud.com:120 outlook.com:80 hotmail.com:60 aol.com:40 "
        "comcast.net:40"
    ),
    "NL": _weights(
        "gmail.com:350 hotmail.com:150 ziggo.nl:100 kpnmail.nl:80 outlook.com:80 live.nl:60 "
        "planet.nl:30"
    ),
    "ES": _weights("gmail.com:500 hotmail.es:200 yahoo.es:80 outlook.es:80 telefonica.net:30"),
    "IT": _weights(
        "gmail.com:450 libero.it:150 hotmail.it:120 alice.it:60 virgilio.it:60 tiscali.it:30"
    ),
    "BE": _weights("gmail.com:400 hotmail.com:150 skynet.be:80 telenet.be:80 outlook.be:50"),
    "SE": _weights("gmail.com:400 hotmail.com:150 telia.com:80 outlook.com:60 live.se:50"),
    "AU": _weights(
        "gmail.com:400 bigpond.com:150 icloud.com:100 hotmail.com:100 outlook.com:80 "
        "optusnet.com.au:50"
    ),
    "CA": _weights(
        "gmail.com:450 hotmail.com:120 outlook.com:80 icloud.com:80 yahoo.ca:60 shaw.ca:40 "
        "rogers.com:40"
    ),
}
# UK postcode areas with their highest district number and a weight for how many people live
# there (area:districts[:weight], 1 when absent); a few such districts do not exist.
UK_AREAS = """
    AB:56 AL:10 B:98:5 BA:16 BB:18 BD:24:2 BH:31 BL:9 BN:45:2 BR:8 BS:49:3 BT:94:3 CA:28 CB:25
    CF:91:2 CH:66 CM:24:2 CO:16 CR:9 CT:21 CV:47:2 CW:12 DA:18 DD:11 DE:75:2 DG:16 DH:9 DL:17
    DN:41:2 DT:11 DY:14 E:18:3 EC:4 EH:55:2 EN:11 EX:39:2 FK:21 FY:8 G:84:3 GL:56:2 GU:52:2 HA:9
    HD:9 HG:5 HP:27 HR:9 HU:20 HX:7 IG:11 IP:33:2 IV:63 KA:30 KT:24:2 KW:17 KY:16 L:75:3 LA:23
    LD:8 LE:67:2 LL:78 LN:13 LS:29:3 LU:7 M:90:4 ME:20:2 MK:46 ML:12 N:22:3 NE:71:3 NG:34:2
    NN:29:2 NP:44 NR:35:2 NW:11:2 OL:16 OX:49:2 PA:80 PE:38:2 PH:50 PL:35 PO:41:2 PR:26:2
    RG:45:2 RH:20:2 RM:20 S:81:3 SA:73:2 SE:28:3 SG:19 SK:23:2 SL:9 SM:7 SN:26 SO:53:2 SP:11
    SR:9 SS:17:2 ST:21:2 SW:20:3 SY:25 TA:24 TD:15 TF:13 TN:40:2 TQ:14 TR:27 TS:29:2 TW:20:2
    UB:11 W:14:2 WA:16:2 WC:2 WD:25 WF:17 WN:8 WR:15 WS:15 WV:16 YO:62:2 ZE:3
"""
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the inward code's letters never include C, I, K, M, O, V
IRISH_ROUTING = _words(
    "D01 D02 D03 D04 D06 D08 D12 D15 D18 D24 A94 A96 K78 T12 T23 H91 V94 X91 F91 A63 R95 W91"
)
EIRCODE_CHARACTERS = "ACDEFHKNPRTVWXY0123456789"


# --- How parcels travel: carriers, services, tracking-number formats ------------------------------


@dataclass(frozen=True)
class Service:
    """A carrier's service: its name, how its numbers look and how many days it takes."""

    carrier: str
    name: str
    number: str  # a key of NUMBER_FORMATS
    days: tuple[int, int]  # fewest and most days from collection to the delivery round
    prefixes: tuple[str, ...] = ()


ROYAL_MAIL_24 = Service("royalmail", "Tracked 24", "s10", (1, 1), ("TT", "HB", "JY", "FN"))
ROYAL_MAIL_48 = Service("royalmail", "Tracked 48", "s10", (2, 3), ("TT", "HB", "JY", "FN"))
ROYAL_MAIL_SPECIAL = Service(
    "royalmail", "Special Delivery Guaranteed", "s10", (1, 1), ("ZW", "ZV", "AD")
)
ROYAL_MAIL_ABROAD = Service("royalmail", "International Tracked", "s10", (4, 8), ("LX", "RR", "CX"))
DPD_NEXT_DAY = Service("dpd", "Next Day", "dpd", (1, 1), ("1550", "1551", "1569"))
DPD_CLASSIC = Service("dpd", "Classic", "dpd", (2, 4), ("0150", "0919", "0131"))
UPS_STANDARD = Service("ups", "Standard", "ups", (1, 2), ("11",))
UPS_SAVER = Service("ups", "Express Saver", "ups", (1, 2), ("65",))
UPS_ABROAD = Service("ups", "Standard", "ups", (2, 4), ("11",))
UPS_GROUND = Service("ups", "Ground", "ups", (2, 5), ("03",))
UPS_WORLDWIDE = Service("ups", "Worldwide Saver", "ups", (2, 3), ("66",))
DHL_DOMESTIC = Service("dhl", "Express Domestic", "dhl_express", (1, 1))
DHL_EXPRESS = Service("dhl", "Express Worldwide", "dhl_express", (2, 3))
DHL_PARCEL = Service("dhl", "Parcel UK", "dhl_parcel", (1, 2))
DHL_CONNECT = Service("dhl", "Parcel Connect", "dhl_parcel", (3, 5))
FEDEX_OVERNIGHT = Service("fedex", "Priority Overnight", "fedex", (1, 1))
FEDEX_PRIORITY = Service("fedex", "International Priority", "fedex", (2, 3))
FEDEX_ECONOMY = Service("fedex", "International Economy", "fedex", (4, 6))
USPS_PRIORITY = Service("usps", "Priority Mail", "usps", (2, 3), ("94055", "92055"))
USPS_GROUND = Service("usps", "Ground Advantage", "usps", (3, 5), ("94001", "92001"))
POSTNL_PACKET = Service("postnl", "International Packet", "postnl", (2, 4), ("LLAB", "LLSK"))

EUROPE = {
    DHL_EXPRESS: 200,
    DHL_CONNECT: 150,
    DPD_CLASSIC: 300,
    UPS_ABROAD: 150,
    ROYAL_MAIL_ABROAD: 120,
    FEDEX_PRIORITY: 50,
    FEDEX_ECONOMY: 30,
}
FAR_AWAY = {DHL_EXPRESS: 400, UPS_WORLDWIDE: 250, FEDEX_PRIORITY: 200, ROYAL_MAIL_ABROAD: 150}
SERVICES_TO = {
    "GB": {
        ROYAL_MAIL_48: 330,
        ROYAL_MAIL_24: 160,
        ROYAL_MAIL_SPECIAL: 30,
        DPD_NEXT_DAY: 260,
        UPS_STANDARD: 50,
        UPS_SAVER: 20,
        DHL_PARCEL: 50,
        DHL_DOMESTIC: 20,
        FEDEX_OVERNIGHT: 40,
    },
    "IE": {DPD_CLASSIC: 400, ROYAL_MAIL_ABROAD: 300, DHL_EXPRESS: 150, UPS_ABROAD: 150},
    "NL": {
        POSTNL_PACKET: 450,
        DHL_CONNECT: 150,
        DHL_EXPRESS: 100,
        DPD_CLASSIC: 200,
        UPS_ABROAD: 100,
    },
    "US": {
        USPS_PRIORITY: 200,
        USPS_GROUND: 150,
        UPS_GROUND: 300,
        FEDEX_PRIORITY: 250,
        DHL_EXPRESS: 100,
    },
    "AU": FAR_AWAY,
    "CA": FAR_AWAY,
}
CUSTOMS_COUNTRIES = frozenset({"US", "AU", "CA"})

# Shippers' own parts of a number: this shop's UPS accounts, USPS mailer id, DHL Parcel customer.
UPS_ACCOUNTS = ("5R8939", "A8E716")
USPS_MAILER = "112345678"  # 9-digit mailer id
DHL_PARCEL_CUSTOMER = "JJD000390007"

# How a parcel's journey goes, per thousand parcels.
JOURNEYS = {
    "normal": 905,
    "failed_attempt": 25,
    "pickup": 15,
    "delayed": 20,
    "lost": 5,
    "stalled": 10,
    "returned": 10,
    "cancelled": 5,
    "label_only": 5,
}
DELAY_REASONS = ("delayed", "delayed", "weather", "address", "held")
PARCELS = {1: 900, 2: 85, 3: 15}  # parcels per order, per thousand orders


# --- The plan: how many orders, and when "now" is -------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What a load makes: `orders` orders placed over the two years before `now`."""

    orders: int
    now: datetime

    @classmethod
    def of(cls, orders: int, now: datetime | None = None) -> Plan:
        """A plan ending at `now`, by default this hour (so a day's runs agree)."""
        now = now or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        return cls(orders, now.astimezone(UTC))


# --- Pure generators ------------------------------------------------------------------------------


def order_fields(i: int, plan: Plan) -> dict:
    """Order i (1-based, also its id) as the ORM would hold it: tz-aware UTC datetimes."""
    order, _ = _generate(i, _context(plan), _as_datetime, _as_date)
    return dict(zip(ORDER_COLUMNS, order, strict=True))


def shipment_fields(i: int, plan: Plan) -> list[dict]:
    """Order i's parcels that exist at plan.now (none while it awaits dispatch), without ids."""
    _, parcels = _generate(i, _context(plan), _as_datetime, _as_date)
    return [dict(zip(SHIPMENT_COLUMNS[1:], parcel, strict=True)) for parcel in parcels]


@dataclass(frozen=True)
class Scan:
    """One carrier scan behind a generated parcel's state, enough for stages.derive."""

    occurred_at: datetime
    status: str
    exception_reason: str | None
    dedupe_key: str


def shipment_scans(i: int, plan: Plan) -> list[list[Scan]]:
    """The scans up to plan.now behind each of order i's parcels, in shipment_fields' order."""
    context = _context(plan)
    _, placed, country = _order(i, context, _as_datetime)
    return [
        [
            Scan(_as_datetime(at), status, reason, f"{i}-{k}-{n}")
            for n, (at, status, reason) in enumerate(journey.events)
            if at <= context.now
        ]
        for k, journey in enumerate(_journeys(i, placed, country, context))
    ]


# --- Randomness from the index --------------------------------------------------------------------


class _Draws:
    """Uniform draws from a keyed hash of an index: the same index always draws the same."""

    __slots__ = ("value",)

    def __init__(self, index: int, purpose: bytes) -> None:
        digest = hashlib.blake2b(index.to_bytes(8, "little"), digest_size=64, person=purpose)
        self.value = int.from_bytes(digest.digest(), "little")

    def below(self, n: int) -> int:
        self.value, drawn = divmod(self.value, n)
        return drawn

    def pick(self, pool):
        self.value, drawn = divmod(self.value, len(pool))
        return pool[drawn]


def _pool(weights: dict) -> tuple:
    """Each key repeated by its weight: a uniform pick from it is a weighted pick."""
    return tuple(key for key, weight in weights.items() for _ in range(weight))


def _zipf(names: list[str], slots: int) -> list[str]:
    """About `slots` entries over the names, the r-th name weighted 1 / (r + 12)."""
    weights = [1 / (rank + 12) for rank in range(len(names))]
    scale = slots / sum(weights)
    return [
        name
        for name, weight in zip(names, weights, strict=True)
        for _ in range(max(1, round(weight * scale)))
    ]


def _scramble(serial: int, width: int, multiplier: int) -> int:
    """A bijection of [0, 10**width): distinct serials give distinct, random-looking numbers."""
    return (serial * multiplier + 7_654_321) % 10**width


# --- Check digits, as CARRIERS.md gives them ------------------------------------------------------


def s10_check(digits: str) -> int:
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def ups_check(body: str) -> int:
    values = [(ord(c) - 3) % 10 if c.isalpha() else int(c) for c in body]
    total = sum(v * 2 if n % 2 else v for n, v in enumerate(values))
    return (10 - total % 10) % 10


def usps_check(digits: str) -> int:
    total = sum(int(d) * (3 if n % 2 == 0 else 1) for n, d in enumerate(digits))
    return (10 - total % 10) % 10


def fedex_check(digits: str) -> int:
    return sum(int(d) * (3, 1, 7)[n % 3] for n, d in enumerate(digits)) % 11 % 10


def tracking_number(service: Service, serial: int, draws: _Draws) -> str:
    """A number in the service's real format, distinct for each serial (< 10 million)."""
    return NUMBER_FORMATS[service.number](service, serial, draws)


def _s10(service: Service, serial: int, draws: _Draws) -> str:
    digits = f"{_scramble(serial, 8, 48_271):08d}"
    return f"{draws.pick(service.prefixes)}{digits}{s10_check(digits)}GB"


def _ups(service: Service, serial: int, draws: _Draws) -> str:
    body = f"{draws.pick(UPS_ACCOUNTS)}{service.prefixes[0]}{_scramble(serial, 7, 69_621):07d}"
    return f"1Z{body}{ups_check(body)}"


def _usps(service: Service, serial: int, draws: _Draws) -> str:
    digits = f"{draws.pick(service.prefixes)}{USPS_MAILER}{_scramble(serial, 7, 40_693):07d}"
    return f"{digits}{usps_check(digits)}"


def _fedex(_service: Service, serial: int, _draws: _Draws) -> str:
    digits = f"7{_scramble(serial, 10, 16_807):010d}"
    return f"{digits}{fedex_check(digits)}"


def _dhl_express(_service: Service, serial: int, _draws: _Draws) -> str:
    body = 100_000_000 + _scramble(serial, 8, 39_373) * 9 + serial % 9
    return f"{body}{body % 7}"


def _dhl_parcel(_service: Service, serial: int, _draws: _Draws) -> str:
    return f"{DHL_PARCEL_CUSTOMER}{_scramble(serial, 9, 45_677):09d}"


def _dpd(service: Service, serial: int, draws: _Draws) -> str:
    return f"{draws.pick(service.prefixes)}{_scramble(serial, 10, 31_337):010d}"


def _postnl(service: Service, serial: int, draws: _Draws) -> str:
    return f"3S{draws.pick(service.prefixes)}{_scramble(serial, 9, 27_457):09d}"


NUMBER_FORMATS: dict[str, Callable[[Service, int, _Draws], str]] = {
    "s10": _s10,
    "ups": _ups,
    "usps": _usps,
    "fedex": _fedex,
    "dhl_express": _dhl_express,
    "dhl_parcel": _dhl_parcel,
    "dpd": _dpd,
    "postnl": _postnl,
}


# --- Precomputed pools and the timeline -----------------------------------------------------------


LETTERS_WITHOUT_DECOMPOSITION = str.maketrans(
    {"ł": "l", "Ł": "L", "\u0131": "i", "ß": "ss", "Đ": "D", "đ": "d"}
)


def _ascii(text: str) -> str:
    """'Wiśniewski' -> 'wisniewski', "O'Brien" -> 'obrien': the name as an e-mail address has it."""
    text = text.translate(LETTERS_WITHOUT_DECOMPOSITION)
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum() or c == "-")


@dataclass(frozen=True)
class _Pools:
    surnames: tuple  # (surname, its ascii form, first-name group) or None for double-barrelled
    british: tuple
    first_names: dict[str, tuple]  # group -> ((name, ascii form), ...)
    countries: tuple
    domains: dict[str, tuple]
    services: dict[str, tuple]
    uk_areas: tuple
    parcels: tuple
    journeys: tuple


@cache
def _pools() -> _Pools:
    groups = {
        group: list(dict.fromkeys(_joined_particles(text.split())))
        for group, text in SURNAME_GROUPS.items()
    }
    groups["places"] = [start + end for start in PLACE_STARTS for end in PLACE_ENDS]
    surnames = []
    for group, share in SURNAME_SHARES.items():
        if group == "double":
            surnames += [None] * (share * 64)
            continue
        names = groups[group]
        first_group = FIRST_NAMES_FOR.get(group, group)
        if group == "places":  # each about as common as the others
            spread = [name for name in names for _ in range(share * 64 // len(names))]
        else:
            spread = _zipf(names, share * 64)
        surnames += [(name, _ascii(name), first_group) for name in spread]
    british = tuple((name, _ascii(name)) for name in _zipf(groups["british"], 20_000))
    first_names = {
        group: tuple((name, _ascii(name)) for name in _zipf(text.split(), 2_000))
        for group, text in FIRST_NAMES.items()
    }
    return _Pools(
        surnames=tuple(surnames),
        british=british,
        first_names=first_names,
        countries=_pool(COUNTRIES),
        domains={country: _pool(weights) for country, weights in MAIL_DOMAINS.items()},
        services={country: _pool(SERVICES_TO.get(country, EUROPE)) for country in COUNTRIES},
        uk_areas=_uk_areas(),
        parcels=_pool(PARCELS),
        journeys=_pool(JOURNEYS),
    )


def _joined_particles(names: list[str]) -> list[str]:
    """Rejoin 'van der Meer', 'De Luca', 'Ó Súilleabháin' that splitting on spaces took apart."""
    joined, particle = [], ""
    for name in names:
        if name in {"van", "der", "den", "de", "De", "Ó"} or name.islower():
            particle += name + " "
            continue
        joined.append(particle + name)
        particle = ""
    return joined


def _uk_areas() -> tuple:
    areas = []
    for entry in UK_AREAS.split():
        area, districts, *weight = entry.split(":")
        areas += [(area, int(districts))] * int(weight[0] if weight else 1)
    return tuple(areas)


@dataclass(frozen=True)
class _Context:
    """A plan turned into what generation reads: epoch seconds and cumulative order density."""

    orders: int
    now: int
    start: int  # the first hour of the two years
    cumulative: list  # orders expected before each hour, scaled so the last entry is `orders`


@cache
def _context(plan: Plan) -> _Context:
    now = int(plan.now.timestamp())
    start = (now - HISTORY_DAYS * DAY) // HOUR * HOUR
    hours = (now - start) // HOUR
    density = [_density(start + h * HOUR, h / hours) for h in range(hours)]
    cumulative, total = [0.0], 0.0
    for value in density:
        total += value
        cumulative.append(total)
    scale = plan.orders / total
    return _Context(plan.orders, now, start, [value * scale for value in cumulative])


# Orders per hour of the day (UTC, the UK's clock for most of them) and per weekday (Monday first).
DAILY = tuple(
    float(share)
    for share in _words(
        "0.35 0.2 0.12 0.08 0.07 0.1 0.25 0.5 0.8 1.0 1.05 1.1 "
        "1.2 1.15 1.1 1.05 1.05 1.1 1.25 1.45 1.6 1.5 1.1 0.65"
    )
)
WEEKLY = (1.05, 1.0, 0.97, 0.95, 0.92, 0.88, 1.15)


def _density(hour_start: int, progress: float) -> float:
    """Relative orders in this hour: the shop grows, December and Black Friday are busy."""
    moment = datetime.fromtimestamp(hour_start, UTC)
    growth = 0.6 + 0.8 * progress
    season = {1: 0.85, 7: 0.9, 8: 0.9, 11: 1.3, 12: 1.5}.get(moment.month, 1.0)
    if moment.month == 11 and 22 <= moment.day <= 29:  # Black Friday week and Cyber Monday
        season = 2.6
    if moment.month == 12 and moment.day > 20:  # too late for Christmas post
        season = 0.8
    return growth * season * DAILY[moment.hour] * WEEKLY[moment.weekday()]


def _placed_at(i: int, context: _Context) -> int:
    """Epoch seconds: the inverse of the cumulative density at order i, so it grows with i."""
    target = i - 0.5
    hour = bisect.bisect_right(context.cumulative, target) - 1
    low, high = context.cumulative[hour], context.cumulative[hour + 1]
    return context.start + hour * HOUR + int((target - low) / (high - low) * HOUR)


# --- One order and its parcels --------------------------------------------------------------------


def _generate(i: int, context: _Context, stamp: Callable, day: Callable) -> tuple[tuple, list]:
    """Order i's row and its parcels' rows (without ids), times rendered by stamp and day."""
    order, placed, country = _order(i, context, stamp)
    parcels = [
        _shipment_row(i, journey, context.now, stamp, day)
        for journey in _journeys(i, placed, country, context)
    ]
    return (*order, parcel_stages(parcels)), parcels


def parcel_stages(parcels: list[tuple]) -> int:
    """The order's bits of its parcels' stages, as migration 0010's triggers reckon them."""
    return sum({1 << parcel[STAGE_AT] for parcel in parcels}) or 1 << Stage.ORDERED


def _order(i: int, context: _Context, stamp: Callable) -> tuple[tuple, int, str]:
    """Order i's row, when it was placed (epoch seconds) and its country."""
    draws = _Draws(i, b"order")
    token = urlsafe_b64encode(draws.value.to_bytes(64, "little")[:24]).decode()
    draws.value >>= 192
    placed = _placed_at(i, context)
    repeat = i > 1 and draws.below(100) < 22
    customer = i - 1 - draws.below(min(i - 1, 200_000)) if repeat else i
    name, email, postcode, country = _customer(customer, _pools())
    created = min(placed + 5 + draws.below(300), context.now)
    number = f"LL-{FIRST_NUMBER + i}"
    row = (i, number, email, name, postcode, country, "en", stamp(placed), token, 0, stamp(created))
    return row, placed, country


def _customer(customer: int, pools: _Pools) -> tuple[str, str, str, str]:
    """Name, e-mail, postcode and country of a customer, the same on every order they place."""
    draws = _Draws(customer, b"customer")
    surname = draws.pick(pools.surnames)
    if surname is None:  # double-barrelled
        (first_part, first_ascii), (second, second_ascii) = (
            draws.pick(pools.british),
            draws.pick(pools.british),
        )
        surname = (f"{first_part}-{second}", f"{first_ascii}-{second_ascii}", "british")
    last, last_ascii, group = surname
    first, first_ascii = draws.pick(pools.first_names[group])
    country = draws.pick(pools.countries)
    name = f"{first} {last}"
    if draws.below(50) == 0:  # typed in lower case at the checkout
        name = name.lower()
    email = f"{first_ascii}.{last_ascii}{_mail_number(draws)}@{draws.pick(pools.domains[country])}"
    return name, email, _postcode(country, draws, pools), country


def _mail_number(draws: _Draws) -> int:
    kind = draws.below(10)
    if kind < 4:
        return 1 + draws.below(99)
    if kind < 7:
        return 1955 + draws.below(50)  # a year of birth
    return 100 + draws.below(900)


def _postcode(country: str, draws: _Draws, pools: _Pools) -> str:
    if country == "GB":
        area, districts = draws.pick(pools.uk_areas)
        district = 1 + draws.below(districts)
        if area in {"EC", "WC"}:
            district = f"{district}{draws.pick('AMNPRVY')}"
        unit = draws.pick(UNIT_LETTERS) + draws.pick(UNIT_LETTERS)
        return f"{area}{district} {draws.below(10)}{unit}"
    if country == "IE":
        unique = "".join(draws.pick(EIRCODE_CHARACTERS) for _ in range(4))
        return f"{draws.pick(IRISH_ROUTING)} {unique}"
    if country == "NL":
        return f"{1000 + draws.below(9000)} {draws.pick(UNIT_LETTERS)}{draws.pick(UNIT_LETTERS)}"
    if country == "SE":
        return f"{100 + draws.below(880)} {draws.below(100):02d}"
    if country == "CA":
        return (
            f"{draws.pick('ABCEGHJKLMNPRSTVXY')}{draws.below(10)}{draws.pick(UNIT_LETTERS)} "
            f"{draws.below(10)}{draws.pick(UNIT_LETTERS)}{draws.below(10)}"
        )
    if country in {"AU", "BE"}:
        return f"{1000 + draws.below(9000)}"
    return f"{1000 + draws.below(95_000):05d}"  # DE, FR, US, ES, IT: five digits


@dataclass
class _Journey:
    """A parcel's whole journey as planned: its service, number and every scan it will get."""

    service: Service
    tracking_number: str
    created: int  # when the shop registered it, just before the carrier's label scan
    eta_day: int  # the carrier's promise, as an epoch day
    events: list = field(default_factory=list)  # (epoch seconds, status, exception reason)
    delay: tuple[int, int] | None = None  # (when a delay was announced, days it added)


def _journeys(i: int, placed: int, country: str, context: _Context) -> list[_Journey]:
    """Order i's parcels that exist at context.now: most orders one, a tenth more."""
    pools = _pools()
    draws = _Draws(i, b"dispatch")
    services = pools.services[country]
    start = placed + HOUR + draws.below(29 * HOUR)  # dispatched within about a day
    first_service = draws.pick(services)
    journeys = []
    for k in range(draws.pick(pools.parcels)):
        if k:
            if draws.below(10) < 6:  # from another warehouse, the same day
                start += MINUTE + draws.below(3 * HOUR)
            else:  # back-ordered
                start += 2 * DAY + draws.below(8 * DAY)
        if start > context.now:
            break
        service = first_service if k == 0 or draws.below(10) < 7 else draws.pick(services)
        journeys.append(_journey(i * 3 + k, service, start, country))
    return journeys


def _journey(serial: int, service: Service, start: int, country: str) -> _Journey:
    """The parcel with this serial (unique per parcel), handed to the carrier at `start`."""
    draws = _Draws(serial, b"parcel")
    number = tracking_number(service, serial, draws)
    label = start + 5 * MINUTE + draws.below(115 * MINUTE)
    collected = label + 2 * HOUR + draws.below(18 * HOUR)
    low, high = service.days
    eta_day = collected // DAY + low + draws.below(high - low + 1)
    journey = _Journey(service, number, start, eta_day, [(label, Status.INFO_RECEIVED, None)])
    PLOTS[draws.pick(_pools().journeys)](journey, collected, draws, country)
    return journey


# Each plot appends the scans after the label; `collected` is when the carrier picked it up.


def _delivery_round(day: int, draws: _Draws) -> int:
    """When the van leaves on this day (epoch day): between 06:30 and 09:00."""
    return day * DAY + 6 * HOUR + 30 * MINUTE + draws.below(150) * MINUTE


def _in_transit(journey: _Journey, collected: int, out: int, draws: _Draws) -> None:
    """Collection, a hub scan and the delivery depot's, ahead of the van leaving at `out`."""
    depot = out - 30 * MINUTE - draws.below(120) * MINUTE
    hub = collected + 3 * HOUR + draws.below(6 * HOUR)
    journey.events.append((collected, Status.IN_TRANSIT, None))
    if hub < depot - HOUR:
        journey.events.append((hub, Status.IN_TRANSIT, None))
    journey.events.append((depot, Status.IN_TRANSIT, None))


def _normal(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    out = _delivery_round(journey.eta_day, draws)
    _in_transit(journey, collected, out, draws)
    journey.events += [
        (out, Status.OUT_FOR_DELIVERY, None),
        (out + 30 * MINUTE + draws.below(510 * MINUTE), Status.DELIVERED, None),
    ]


def _failed_attempt(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    out = _delivery_round(journey.eta_day, draws)
    again = _delivery_round(journey.eta_day + 1, draws)
    _in_transit(journey, collected, out, draws)
    journey.events += [
        (out, Status.OUT_FOR_DELIVERY, None),
        (out + HOUR + draws.below(7 * HOUR), Status.FAILED_ATTEMPT, None),
        (again, Status.OUT_FOR_DELIVERY, None),
        (again + 30 * MINUTE + draws.below(480 * MINUTE), Status.DELIVERED, None),
    ]


def _pickup(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    out = _delivery_round(journey.eta_day, draws)
    _in_transit(journey, collected, out, draws)
    failed = out + HOUR + draws.below(7 * HOUR)
    ready = failed + HOUR + draws.below(2 * HOUR)
    journey.events += [
        (out, Status.OUT_FOR_DELIVERY, None),
        (failed, Status.FAILED_ATTEMPT, None),
        (ready, Status.AVAILABLE_FOR_PICKUP, None),
        (ready + DAY + draws.below(4 * DAY), Status.DELIVERED, None),
    ]


def _delayed(journey: _Journey, collected: int, draws: _Draws, country: str) -> None:
    days = 1 + draws.below(4)
    reason = "customs" if country in CUSTOMS_COUNTRIES else draws.pick(DELAY_REASONS)
    held = collected + 2 * HOUR + draws.below(10 * HOUR)
    moving = held + days * DAY - draws.below(6 * HOUR)
    out = _delivery_round(journey.eta_day + days, draws)
    journey.events += [
        (collected, Status.IN_TRANSIT, None),
        (held, Status.EXCEPTION, reason),
        (moving, Status.IN_TRANSIT, None),
        (out - 30 * MINUTE - draws.below(120) * MINUTE, Status.IN_TRANSIT, None),
        (out, Status.OUT_FOR_DELIVERY, None),
        (out + 30 * MINUTE + draws.below(510 * MINUTE), Status.DELIVERED, None),
    ]
    journey.delay = (held, days)


def _lost(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    hub = collected + 3 * HOUR + draws.below(6 * HOUR)
    reason = "lost" if draws.below(10) < 7 else "damaged"
    journey.events += [
        (collected, Status.IN_TRANSIT, None),
        (hub, Status.IN_TRANSIT, None),
        (hub + DAY + draws.below(5 * DAY), Status.EXCEPTION, reason),
    ]


def _stalled(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    hub = collected + 3 * HOUR + draws.below(6 * HOUR)
    journey.events += [
        (collected, Status.IN_TRANSIT, None),
        (hub, Status.IN_TRANSIT, None),
        (hub + EXPIRES_AFTER, Status.EXPIRED, None),
    ]


def _returned(journey: _Journey, collected: int, draws: _Draws, _country: str) -> None:
    out = _delivery_round(journey.eta_day, draws)
    again = _delivery_round(journey.eta_day + 1, draws)
    _in_transit(journey, collected, out, draws)
    second_failure = again + HOUR + draws.below(7 * HOUR)
    sent_back = second_failure + DAY + draws.below(2 * DAY)
    journey.events += [
        (out, Status.OUT_FOR_DELIVERY, None),
        (out + HOUR + draws.below(7 * HOUR), Status.FAILED_ATTEMPT, None),
        (again, Status.OUT_FOR_DELIVERY, None),
        (second_failure, Status.FAILED_ATTEMPT, None),
        (sent_back, Status.RETURNED_TO_SENDER, None),
        (sent_back + 2 * DAY + draws.below(3 * DAY), Status.DELIVERED, None),  # to the shop
    ]


def _cancelled(journey: _Journey, _collected: int, draws: _Draws, _country: str) -> None:
    label = journey.events[0][0]
    journey.events.append((label + DAY + draws.below(2 * DAY), Status.CANCELLED, None))


def _label_only(journey: _Journey, _collected: int, _draws: _Draws, _country: str) -> None:
    label = journey.events[0][0]
    journey.events.append((label + EXPIRES_AFTER, Status.EXPIRED, None))


PLOTS = {
    "normal": _normal,
    "failed_attempt": _failed_attempt,
    "pickup": _pickup,
    "delayed": _delayed,
    "lost": _lost,
    "stalled": _stalled,
    "returned": _returned,
    "cancelled": _cancelled,
    "label_only": _label_only,
}
STAGE_BY_STATUS = {status: STAGE_OF.get(status, Stage.ORDERED).value for status in Status}
IN_TRANSIT, DELIVERED = Stage.IN_TRANSIT.value, Stage.DELIVERED.value


def _shipment_row(i: int, journey: _Journey, now: int, stamp, day) -> tuple:
    """Order i's shipments row for this journey as of `now`, folded as stages.derive folds."""
    stage, status, reason, returning = 0, Status.PENDING, None, False
    delivered = last = None
    for at, event_status, event_reason in journey.events:
        if at > now:
            break
        if event_status is Status.RETURNED_TO_SENDER:
            returning, stage = True, IN_TRANSIT
        elif not returning and STAGE_BY_STATUS[event_status] > stage:
            stage = STAGE_BY_STATUS[event_status]
            if stage == DELIVERED:
                delivered = at
        status, reason, last = event_status, event_reason, at
    if returning:
        delivered = None
    shipped = journey.events[0][0] if last is not None else None  # the label scan
    eta = None
    if shipped is not None:
        eta = journey.eta_day
        if journey.delay and journey.delay[0] <= now:
            eta += journey.delay[1]
    checked, due = _checks(i, stage, last, journey.created, now)
    quiet = now - (last if last is not None else journey.created)
    return (
        i,
        journey.service.carrier,
        journey.tracking_number,
        journey.service.name,
        status.value,
        reason,
        stage,
        returning,
        None if eta is None else day(eta),
        None if eta is None else "carrier",
        None if shipped is None else stamp(shipped),
        None if delivered is None else stamp(delivered),
        None if last is None else stamp(last),
        stamp(checked),
        None if due is None else stamp(due),
        0,
        stage < Stage.DELIVERED and quiet > STALLED_AFTER,
        stamp(journey.created),
    )


def _checks(i: int, stage: int, last: int | None, created: int, now: int) -> tuple[int, int | None]:
    """When the worker last polled this parcel and when it will next, as its schedule has it."""
    interval = POLL_SECONDS[stage]
    if not interval:  # delivered: the poll that saw the delivery was the last one
        return min(last + (i % 30 + 1) * MINUTE, now), None
    checked = max(created, now - i * 7919 % interval)
    return checked, checked + interval


# --- Rendering times for each database ------------------------------------------------------------

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _as_datetime(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _as_date(epoch_day: int) -> date:
    return date.fromordinal(EPOCH_ORDINAL + epoch_day)


@cache
def _clock(suffix: str) -> tuple[str, ...]:
    """' HH:MM:SS' + suffix for every second of a day (the space joins it to the date)."""
    return tuple(f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY))


@cache
def _days(first: int, last: int) -> tuple[str, ...]:
    return tuple(_as_date(d).isoformat() for d in range(first, last + 1))


def _renderers(context: _Context, dialect: str) -> tuple[Callable, Callable]:
    """stamp(seconds) and day(epoch day) as this database's column gets them from the ORM.

    UTCDateTime binds naive UTC on SQLite, which SQLAlchemy stores as 'YYYY-MM-DD HH:MM:SS.ffffff';
    on PostgreSQL a timestamptz, here as text with its offset. Dates are ISO on both.
    """
    clock = _clock(".000000" if dialect == "sqlite" else "+00")
    first = context.start // DAY - 1
    days = _days(first, context.now // DAY + 60)

    def stamp(seconds: int) -> str:
        day_number, second = divmod(seconds, DAY)
        return days[day_number - first] + clock[second]

    def day(epoch_day: int) -> str:
        return days[epoch_day - first]

    return stamp, day


# --- Loading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    database: str
    url: str
    plan: Plan
    rows: dict[str, int]
    seconds: float

    @property
    def orders_per_second(self) -> float:
        return self.rows["orders"] / self.seconds


def chunk_rows(plan: Plan, dialect: str, first: int, last: int) -> tuple[list, list[list]]:
    """Orders first..last-1 as rows, and their parcels' rows grouped by parcel (first parcels,
    second ones, third ones), each parcel's id counted from 1 within the chunk."""
    context = _context(plan)
    stamp, day = _renderers(context, dialect)
    orders, parcels, counted = [], [[], [], []], 0
    for i in range(first, last):
        order, rows = _generate(i, context, stamp, day)
        orders.append(order)
        for k, row in enumerate(rows):
            counted += 1
            parcels[k].append((counted, *row))
    return orders, parcels


def chunks(
    plan: Plan, dialect: str, size: int = CHUNK, workers: int = 0
) -> Iterator[tuple[list, list[list]]]:
    """chunk_rows in order over the whole plan, shipment ids made global; with workers, the
    next chunks are generated in other processes while the caller writes this one."""
    ranges = [
        (first, min(first + size, plan.orders + 1)) for first in range(1, plan.orders + 1, size)
    ]
    shipment_id = 0
    for orders, parcels in _generated(plan, dialect, ranges, workers):
        for rows in parcels:
            rows[:] = [(shipment_id + row[0], *row[1:]) for row in rows]
        shipment_id += sum(map(len, parcels))
        yield orders, parcels


def _generated(plan: Plan, dialect: str, ranges: list, workers: int) -> Iterator:
    if not workers:
        for first, last in ranges:
            yield chunk_rows(plan, dialect, first, last)
        return
    # spawn: a fresh interpreter inherits no database connection of ours
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending = deque()
        for first, last in ranges:
            pending.append(pool.submit(chunk_rows, plan, dialect, first, last))
            if len(pending) > workers:  # a chunk ready for each worker, no more: memory stays flat
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def fill(connection, plan: Plan, size: int = CHUNK, workers: int = 0) -> dict[str, int]:
    """Load the plan's orders and parcels into an empty, migrated database; rows per table.

    `connection` is a DB-API connection: sqlite3's or psycopg's, e.g. an engine's
    raw_connection().driver_connection. Commits per chunk. `workers` processes generate
    rows ahead of the writes (0: this process does both).
    """
    if isinstance(connection, sqlite3.Connection):
        return _fill_sqlite(connection, chunks(plan, "sqlite", size, workers))
    return _fill_postgresql(connection, chunks(plan, "postgresql", size, workers))


def _fill_sqlite(connection: sqlite3.Connection, source: Iterator) -> dict[str, int]:
    """Each chunk into TEMP tables by executemany, then into the real ones by one INSERT each.

    FTS5 flushes its pending terms at every statement that fires a trigger into it, so a row per
    statement leaves a segment per row to merge; one statement per chunk leaves a few.
    """
    counts = {"orders": 0, "shipments": 0}
    staged = {"orders": "loading_orders", "shipments": "loading_shipments"}
    columns = {"orders": ", ".join(ORDER_COLUMNS), "shipments": ", ".join(SHIPMENT_COLUMNS)}
    for name, stage in staged.items():
        connection.execute(
            f"CREATE TEMP TABLE {stage} AS SELECT {columns[name]} FROM {name} WHERE 0"  # noqa: S608
        )

    def move(name: str, rows: list) -> None:
        connection.execute(f"DELETE FROM temp.{staged[name]}")  # noqa: S608
        placeholders = ", ".join("?" * len(rows[0]))
        connection.executemany(
            f"INSERT INTO temp.{staged[name]} VALUES ({placeholders})",  # noqa: S608
            rows,
        )
        connection.execute(
            f"INSERT INTO {name} ({columns[name]}) "  # noqa: S608
            f"SELECT {columns[name]} FROM temp.{staged[name]} ORDER BY rowid"
        )
        counts[name] += len(rows)

    for orders, parcels in source:
        if not connection.in_transaction:
            connection.execute("BEGIN")
        move("orders", orders)
        for rows in parcels:  # first parcels, then second ones: row ids only ever go up in FTS5
            if rows:
                move("shipments", rows)
        connection.commit()
    for stage in staged.values():
        connection.execute(f"DROP TABLE temp.{stage}")
    connection.execute("INSERT INTO order_search (order_search) VALUES ('optimize')")
    connection.commit()
    return counts


def _fill_postgresql(connection: psycopg.Connection, source: Iterator) -> dict[str, int]:
    counts = {"orders": 0, "shipments": 0}
    copy_orders = f"COPY orders ({', '.join(ORDER_COLUMNS)}) FROM STDIN"
    copy_shipments = f"COPY shipments ({', '.join(SHIPMENT_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor:
        for orders, parcels in source:
            with cursor.copy(copy_orders) as copy:
                for row in orders:
                    copy.write_row(row)
            # The orders came with their parcels' stages: the trigger would only rewrite them.
            cursor.execute("ALTER TABLE shipments DISABLE TRIGGER shipments_parcel_stages")
            with cursor.copy(copy_shipments) as copy:
                for rows in parcels:
                    for row in rows:
                        copy.write_row(row)
                    counts["shipments"] += len(rows)
            cursor.execute("ALTER TABLE shipments ENABLE TRIGGER shipments_parcel_stages")
            connection.commit()
            counts["orders"] += len(orders)
        for table_name in ("orders", "shipments"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table_name}))"
            )
        for (index,) in cursor.execute(GIN_INDEXES).fetchall():
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", (index,))
    connection.commit()
    # What autovacuum does after a large insert: statistics, hint bits and the visibility map
    # (index-only scans), so the first searches do not pay for the load's bookkeeping.
    connection.autocommit = True
    for table_name in ("orders", "shipments"):
        connection.execute(f"VACUUM ANALYZE {table_name}")
    connection.autocommit = False
    return counts


# The trigram indexes' pending entries go into the index proper before anyone searches.
GIN_INDEXES = """
    SELECT index.relname FROM pg_index
    JOIN pg_class index ON index.oid = pg_index.indexrelid
    JOIN pg_class tab ON tab.oid = pg_index.indrelid
    JOIN pg_am ON pg_am.oid = index.relam
    WHERE pg_am.amname = 'gin' AND tab.relname IN ('orders', 'shipments')
"""


def known_order(plan: Plan) -> tuple[int, str]:
    """An order in the middle of the plan that has a parcel, and a fragment of its number."""
    i = max(plan.orders // 2, 1)
    while not (parcels := shipment_fields(i, plan)):
        i -= 1
    number = parcels[0]["tracking_number"]
    return i, number[3:11]


def check(connection, plan: Plan, counts: dict[str, int]) -> None:
    """Cheap proof the load is whole and searchable; raises AssertionError if not."""
    stored = {
        name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]  # noqa: S608
        for name in ("orders", "shipments")
    }
    assert stored == counts, f"tables hold {stored}, the loader wrote {counts}"
    assert counts["orders"] == plan.orders, f"{counts['orders']} orders for {plan.orders} planned"
    i, fragment = known_order(plan)
    if isinstance(connection, sqlite3.Connection):
        indexed = connection.execute("SELECT count(*) FROM order_search").fetchone()[0]
        assert indexed == plan.orders, f"order_search has {indexed} rows for {plan.orders} orders"
        found = connection.execute(
            "SELECT rowid FROM order_search WHERE order_search MATCH ? AND rowid = ?",
            (f'"{fragment}"', i),
        ).fetchall()
    else:
        found = connection.execute(
            "SELECT order_id FROM shipments WHERE tracking_number ILIKE %s AND order_id = %s",
            (f"%{fragment.lower()}%", i),
        ).fetchall()
    assert found, f"searching for {fragment!r} does not find order {i}"


@contextmanager
def _connected(url: str) -> Iterator:
    """A raw connection of the loader's own to this database, tuned for a scratch bulk load."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "cache_size = -1000000",
            "temp_store = MEMORY",
            "foreign_keys = ON",
        ):
            connection.execute(f"PRAGMA {pragma}")
    else:
        connection = psycopg.connect(
            host=parsed.host,
            port=parsed.port,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
        )
        # GIN gathers new entries in a pending list and merges it in work_mem-sized runs:
        # fewer, bigger merges. The list is merged in full before the load ends.
        for setting in (
            "synchronous_commit = off",
            "gin_pending_list_limit = '256MB'",
            "work_mem = '256MB'",
        ):
            connection.execute(f"SET {setting}")
    try:
        yield connection
    finally:
        if isinstance(connection, sqlite3.Connection):
            connection.execute("PRAGMA journal_mode = WAL")  # what the app sets, back for it
        connection.close()


def migrate(url: str) -> None:
    """Bring an empty database to the app's latest schema, as bench/common.py does."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        with redirect_stderr(io.StringIO()):
            upgrade_all()
        close_connections()


def load(
    database_url: str,
    orders: int,
    *,
    now: datetime | None = None,
    chunk: int = CHUNK,
    workers: int = 0,
    migrated: bool = False,
) -> LoadReport:
    """Migrate an empty database (unless `migrated`), fill it with `orders` orders and check it.

    The seconds reported cover the migration, the load, the index upkeep and the check.
    `workers` processes generate the rows while this one writes them (0: this one does both).
    """
    plan = Plan.of(orders, now)
    started = time.perf_counter()
    if not migrated:
        migrate(database_url)
    with _connected(database_url) as connection:
        counts = fill(connection, plan, chunk, workers)
        check(connection, plan, counts)
    seconds = time.perf_counter() - started
    name = "SQLite" if database_url.startswith("sqlite") else "PostgreSQL"
    return LoadReport(name, database_url, plan, counts, seconds)


# --- Command line ---------------------------------------------------------------------------------


def _sqlite_target(path: str | None, keep: bool) -> Iterator[str]:
    if path:
        if Path(path).exists():
            raise SystemExit(f"{path} exists; the loader fills a new database")
        yield f"sqlite:///{path}"
        return
    scratch = Path(tempfile.mkdtemp(prefix="mln-orders-"))
    target = scratch / "orders.sqlite3"
    try:
        yield f"sqlite:///{target}"
    finally:
        if not keep:
            for leftover in scratch.iterdir():
                leftover.unlink()
            scratch.rmdir()


def _targets(args) -> Iterator[str]:
    both = args.sqlite is None and not args.postgresql
    if args.sqlite is not None or both:
        yield from _sqlite_target(args.sqlite or None, args.keep)
    if args.postgresql or both:
        problem = postgres_available()
        if problem:
            print(f"PostgreSQL skipped: {problem}")
            return
        with postgres_database(keep=args.keep) as url:
            yield url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument(
        "--sqlite",
        nargs="?",
        const="",
        metavar="PATH",
        help="load SQLite, into PATH if given (kept), else a temporary file",
    )
    parser.add_argument("--postgresql", action="store_true", help="load a scratch database")
    parser.add_argument("--keep", action="store_true", help="leave the scratch database in place")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="orders per transaction")
    parser.add_argument(
        "--workers", type=int, default=0, help="processes generating rows ahead of the writes"
    )
    args = parser.parse_args()

    print(f"{args.orders:,} orders; {load_average()}", flush=True)
    rows = []
    for url in _targets(args):
        report = load(url, args.orders, chunk=args.chunk, workers=args.workers)
        rows.append(
            [
                report.database,
                f"{report.rows['orders']:,}",
                f"{report.rows['shipments']:,}",
                f"{report.seconds:.1f}",
                f"{report.orders_per_second:,.0f}",
            ]
        )
        print(f"  {report.database}: {report.seconds:.1f} s", flush=True)
        if args.keep or (args.sqlite and report.database == "SQLite"):
            print(f"  kept: {url}  (plan: {report.plan.orders} orders, now={report.plan.now})")
    print()
    print(table(["database", "orders", "shipments", "seconds", "orders/s"], rows))
    print(f"\nfinished; {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
